/**
 * Durable sessions while DynamoDB fails: dynalite runs as a child process so it can hang
 * (SIGSTOP) and then die (SIGKILL). Every request (an initialize, a call on a live session, a
 * session this instance never saw) is answered within a few seconds with 503 and `Retry-After`
 * and a generic message (no endpoint, no exception name), and no change is acknowledged that
 * was not stored: a counter increment during the outage is never answered with success. `/health`
 * stays 200 throughout: the outage is not the task's fault.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';

import { raw, type RawResponse } from '../../shared/test/support/raw-http';
import { DurableSessionStore } from '../src/durable/durable-session-store';
import { createLocalTable, sessionTable, type SessionTable } from '../src/durable/table';
import { loadSessionConfig } from '../src/session-config';
import { quiet, startStateful } from './support/stateful';

const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const rpc = (id: number, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const initialize = rpc(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } });
const increment = (id: number) => rpc(id, 'tools/call', { name: 'increment_counter', arguments: {} });
/** Two attempts of about 2 s each, plus the SDK's backoff between them. */
const ANSWER_WITHIN_MS = 6_000;

async function startDynaliteProcess(): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../../local/dynalite.ts')], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, endpoint: /(http:\/\/\S+)/.exec(line.toString())![1]! };
}

async function timed(request: Promise<RawResponse>): Promise<RawResponse & { ms: number }> {
  const started = Date.now();
  const response = await request;
  return { ...response, ms: Date.now() - started };
}

function expectUnavailable(response: RawResponse & { ms: number }): void {
  expect(response.status).toBe(503);
  expect(response.headers['retry-after']).toBeDefined();
  expect(response.ms).toBeLessThan(ANSWER_WITHIN_MS);
  expect(response.error?.message).toMatch(/unavailable; retry/);
  expect(response.text).not.toMatch(/127\.0\.0\.1|ECONN|TimeoutError|Exception|at .*\.ts/);
}

describe('durable sessions while DynamoDB hangs, then dies (dynalite in a child process)', () => {
  let dynalite: ChildProcess;
  let table: SessionTable;
  beforeAll(async () => {
    const started = await startDynaliteProcess();
    dynalite = started.child;
    table = sessionTable('mcp-sessions', started.endpoint);
    await createLocalTable(table);
  });
  afterAll(() => {
    table?.doc.destroy();
    if (dynalite.exitCode === null && dynalite.signalCode === null) dynalite.kill('SIGKILL');
  });

  it('answers every request with 503 and Retry-After within seconds, and acknowledges no write it did not make', async () => {
    const env = { MCP_SESSION_IDLE_MS: '60000' };
    const a = await startStateful(env, 'a', 2_000, new DurableSessionStore(table, loadSessionConfig(env), { id: 'a' }, quiet));
    try {
      const init = await raw(a.mcp, { headers, body: initialize });
      const session = { ...headers, 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
      await raw(a.mcp, { headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
      expect((await raw(a.mcp, { headers: session, body: increment(1) })).text).toMatch(/"result"/);
      const unknown = { ...session, 'mcp-session-id': randomUUID() };

      for (const signal of ['SIGSTOP', 'SIGKILL'] as const) {
        dynalite.kill(signal);
        // The first call that must store something is refused (in its 200 stream); nothing was acknowledged.
        const call = await timed(raw(a.mcp, { headers: session, body: increment(2) }));
        expect(call.ms).toBeLessThan(ANSWER_WITHIN_MS);
        expect(call.text).not.toMatch(/"result"/);
        expect(call.text).not.toMatch(/127\.0\.0\.1|ECONN|TimeoutError|Exception/);
        // From then on the session is dropped here, and rebuilding it needs the store.
        const [fresh, again, stranger] = await Promise.all([
          timed(raw(a.mcp, { headers, body: initialize })),
          timed(raw(a.mcp, { headers: session, body: increment(3) })),
          timed(raw(a.mcp, { headers: unknown, body: increment(4) })),
        ]);
        expectUnavailable(fresh);
        expectUnavailable(again);
        expectUnavailable(stranger);
        // The task itself is fine: a health check that failed with the table would have the ALB replace every task at once.
        const health = await timed(raw(a.url + '/health', { method: 'GET' }));
        expect(health.status).toBe(200);
        expect(health.ms).toBeLessThan(1_000);
      }
    } finally {
      await a.shutdown();
    }
  }, 40_000);
});
