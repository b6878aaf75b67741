/**
 * mcp-remote, the stdio bridge many desktop clients use, keeps the cookies a server sets
 * (its src/lib/cookie-jar.ts), so it stays on the instance that holds its session. It is spawned
 * exactly as a desktop client would spawn it, and spoken to in newline-delimited JSON-RPC on stdin.
 * It opens a browser or binds a callback port only after a 401, and our server asks for no authorization.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { startCluster, stickyKinds, type Cluster } from './support/cluster';

const MCP_REMOTE = require.resolve('mcp-remote/dist/proxy.js');

interface Answer {
  result?: { serverInfo?: unknown; structuredContent?: { instance?: string; session?: string } };
  error?: { code: number; message: string };
}

interface Bridge {
  request(method: string, params?: object): Promise<Answer>;
  notify(method: string): void;
  stderr(): string;
  stop(): Promise<void>;
}

/** mcp-remote as a child process; its own token store in a temporary directory, never ~/.mcp-auth. */
function startMcpRemote(url: string, ...flags: string[]): Bridge & { child: ChildProcessWithoutNullStreams } {
  const configDir = mkdtempSync(join(tmpdir(), 'mcp-remote-'));
  const child = spawn(process.execPath, [MCP_REMOTE, url, ...flags], { env: { ...process.env, MCP_REMOTE_CONFIG_DIR: configDir }, stdio: 'pipe' });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const waiting = new Map<number, (answer: Answer) => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as Answer & { id?: unknown };
    if (typeof message.id === 'number') waiting.get(message.id)?.(message);
  });
  let nextId = 1;
  const send = (message: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  return {
    child,
    request: (method, params) =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        send({ id, method, ...(params && { params }) });
      }),
    notify: (method) => send({ method }),
    stderr: () => log,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}

const initialize = { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'desktop-client', version: '1.0.0' } };

describe.each(stickyKinds)('mcp-remote behind the %s sticky balancer', (kind) => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(kind);
  }, 30_000);
  afterAll(() => cluster?.stop());

  it('keeps the AWSALB cookie: one session, and every ping lands on the instance that holds it', async () => {
    const bridge = startMcpRemote(cluster.mcp);
    try {
      const init = await bridge.request('initialize', initialize);
      expect(init.result?.serverInfo).toBeDefined();
      bridge.notify('notifications/initialized');
      const pongs = [];
      for (let i = 0; i < 8; i++) pongs.push((await bridge.request('tools/call', { name: 'ping', arguments: {} })).result?.structuredContent);
      expect(pongs).toHaveLength(8);
      expect(pongs[0]).toMatchObject({ pong: true, era: 'legacy', session: expect.stringMatching(/^[0-9a-f]{12}$/) });
      expect(new Set(pongs.map((p) => `${p?.instance} ${p?.session}`)).size).toBe(1);
    } finally {
      await bridge.stop();
    }
  }, 30_000);

  it('loses the session without its cookies (--disable-cookies): the cookie is what keeps it on one instance', async () => {
    const bridge = startMcpRemote(cluster.mcp, '--disable-cookies');
    try {
      // Its connection check initializes, then sends notifications/initialized, which the balancer sends elsewhere.
      const [code] = await once(bridge.child, 'exit');
      expect(code).toBe(1);
      expect(bridge.stderr()).toContain('Session not found');
    } finally {
      await bridge.stop();
    }
  }, 30_000);
});
