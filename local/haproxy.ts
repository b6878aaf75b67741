/**
 * HAProxy on loopback, with the configs docker-compose mounts. When HAProxy is installed (CI
 * installs it), the cluster tests run each sample behind it as well as behind the Node balancer
 * (./balancer.ts). Both configs read LB_BIND, BACKEND_1..3 (host:port) and LB_CHECK_INTER.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Balancer } from './balancer';

/** Round robin, for the stateless sample. */
export const HAPROXY_ROUND_ROBIN = join(__dirname, 'haproxy/round-robin.cfg');
/** Round robin with the ALB's `AWSALB` cookie stickiness, for the stateful sample. */
export const HAPROXY_STICKY = join(__dirname, 'haproxy/sticky.cfg');

export const haproxyInstalled = (): boolean => spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status === 0;

/** HAProxy cannot bind port 0, so ask the kernel for a free port and hand it over. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface HaproxyOptions {
  port?: number;
  /** `timeout server`, in HAProxy's units (`60s`, `1500ms`): how long a response may stay silent. */
  readTimeout?: string;
}

/** HAProxy with `config` in front of three `backends` (base URLs); resolves once it answers `/health`. */
export async function startHaproxy(config: string, backends: string[], { port: requestedPort = 0, readTimeout = '60s' }: HaproxyOptions = {}): Promise<Balancer> {
  if (backends.length !== 3) throw new Error('the HAProxy configs have three backends');
  const port = requestedPort || (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'haproxy-'));
  const hosts = backends.map((b) => new URL(b).host);
  const child = spawn('haproxy', ['-db', '-q', '-f', config], {
    cwd: dir,
    env: { ...process.env, LB_BIND: `127.0.0.1:${port}`, LB_CHECK_INTER: '200ms', LB_READ_TIMEOUT: readTimeout, BACKEND_1: hosts[0], BACKEND_2: hosts[1], BACKEND_3: hosts[2] },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, () => child.exitCode !== null);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

async function waitForHealth(url: string, gaveUp: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !gaveUp()) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`balancer at ${url} did not become healthy`);
}
