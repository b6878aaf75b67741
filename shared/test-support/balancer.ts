import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

import { createProxyServer } from 'http-proxy-3';

export type BalancerKind = 'haproxy' | 'node';

export interface Balancer {
  kind: BalancerKind;
  url: string;
  stop(): Promise<void>;
}

/** The HAProxy config the cluster tests and docker-compose share. */
export const HAPROXY_ROUND_ROBIN = join(__dirname, 'haproxy-round-robin.cfg');

export const haproxyInstalled = (): boolean => spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status === 0;

/**
 * A round-robin balancer on loopback in front of `backends` (base URLs). HAProxy when it is
 * installed, as in CI; otherwise a small Node proxy that behaves the same way for these tests.
 * Both retry a request on another backend when its connection fails, as the ALB does.
 */
export function startBalancer(backends: string[], kind: BalancerKind = haproxyInstalled() ? 'haproxy' : 'node', port = 0): Promise<Balancer> {
  return kind === 'haproxy' ? startHaproxy(backends, HAPROXY_ROUND_ROBIN, port) : startNodeBalancer(backends, port);
}

/**
 * HAProxy on loopback with another config that reads the same variables (LB_BIND, BACKEND_1..3,
 * LB_CHECK_INTER), e.g. one with cookie stickiness.
 */
export function startHaproxyWith(config: string, backends: string[]): Promise<Balancer> {
  return startHaproxy(backends, config);
}

/** HAProxy cannot bind port 0, so ask the kernel for a free port and hand it over. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startHaproxy(backends: string[], config = HAPROXY_ROUND_ROBIN, requestedPort = 0): Promise<Balancer> {
  if (backends.length !== 3) throw new Error('the HAProxy config has three backends');
  const port = requestedPort || (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'haproxy-'));
  const hosts = backends.map((b) => new URL(b).host);
  const child = spawn('haproxy', ['-db', '-q', '-f', config], {
    cwd: dir,
    env: { ...process.env, LB_BIND: `127.0.0.1:${port}`, LB_CHECK_INTER: '200ms', BACKEND_1: hosts[0], BACKEND_2: hosts[1], BACKEND_3: hosts[2] },
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
  return { kind: 'haproxy', url, stop };
}

async function startNodeBalancer(backends: string[], port = 0): Promise<Balancer> {
  const proxy = createProxyServer({ xfwd: true });
  const downUntil = new Map<string, number>();
  let next = 0;

  const pick = (tried: Set<string>) => {
    for (let i = 0; i < backends.length; i++) {
      const target = backends[next++ % backends.length]!;
      if (!tried.has(target) && (downUntil.get(target) ?? 0) < Date.now()) return target;
    }
    return undefined;
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, tried: Set<string>) => {
    const target = pick(tried);
    if (!target) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('no backend available');
    tried.add(target);
    proxy.web(req, res, { target, buffer: Readable.from([body]) }, (error: NodeJS.ErrnoException) => {
      // Only a refused connection is safe to retry: the backend never saw the request.
      if (error.code === 'ECONNREFUSED' && !res.headersSent) {
        downUntil.set(target, Date.now() + 1_000);
        return forward(req, res, body, tried);
      }
      // Mid-response, cut the client's connection as the ALB does, so a broken stream looks broken.
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'content-type': 'text/plain' }).end();
    });
  };

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    forward(req, res, Buffer.concat(chunks), new Set());
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const { port: bound } = server.address() as AddressInfo;
  return {
    kind: 'node',
    url: `http://127.0.0.1:${bound}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      proxy.close();
    },
  };
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
