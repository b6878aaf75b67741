/**
 * Durable sessions on in-process instances sharing one dynalite, at the edges of a session's life:
 * the table keeps a session as long as the task holding it would serve it (a whole idle timeout
 * after its last request, though that request wrote nothing or outlasted the idle timeout; an open
 * GET stream keeps it alive as a request would), a request whose expiry refresh finds the session
 * gone still gets its answer (an error) before the session is dropped, an instance at its session cap
 * declines to take a session over with 503 instead of calling it gone, and a session whose handshake
 * never finished is deleted, not left for another instance. Through all of it, no log line holds a
 * whole session id.
 */
import { sessionTag, type Logger, type LogLine } from '@mcp-on-aws/shared';

import { raw } from '../../shared/test/support/raw-http';
import { startDynalite, type LocalDynamo } from '../../local/dynalite';
import { DurableSessionStore, durableLifetime } from '../src/durable/durable-session-store';
import { OWNER_GRACE_MS, SessionRegistry } from '../src/durable/registry';
import { createLocalTable, sessionTable, type SessionTable } from '../src/durable/table';
import { loadSessionConfig } from '../src/session-config';
import { quiet, startStateful, until } from './support/stateful';

const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const rpc = (id: number, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Whether a request got its result, not an error (the SDK puts `result` before `id`). */
const resulted = ({ text, error }: { text: string; error?: unknown }) => error === undefined && text.includes('"result":');

describe('durable sessions at the edges of their life (in process, dynalite)', () => {
  let dynamo: LocalDynamo;
  let table: SessionTable;
  // A 2 s idle timeout, checked (and refreshed) by the stream every 1 s keep-alive.
  const env = { MCP_SESSION_IDLE_MS: '2000', MCP_SSE_KEEPALIVE_MS: '1000' };
  const start = (id: string, more: NodeJS.ProcessEnv = {}, log: Logger = quiet) =>
    startStateful({ ...env, ...more }, id, 2_000, new DurableSessionStore(table, loadSessionConfig({ ...env, ...more }), { id }, log), log);
  const open = async (mcp: string) => {
    const init = await raw(mcp, { headers, body: rpc(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } }) });
    const session = { ...headers, 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
    await raw(mcp, { headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    return session;
  };
  beforeAll(async () => {
    dynamo = await startDynalite();
    table = sessionTable('mcp-sessions', dynamo.endpoint);
    await createLocalTable(table);
  });
  afterAll(async () => {
    table?.doc.destroy();
    await dynamo?.stop();
  });

  it('keeps a session for the whole idle timeout after a request that wrote nothing (used 0.8 s in, 10 s idle, asked again at 10.5 s)', async () => {
    const more = { MCP_SESSION_IDLE_MS: '10000' };
    const a = await start('a', more);
    try {
      // Started past the middle of a second, the expiry rounded up to the second DynamoDB TTL counts in falls within 0.5 s of the idle timeout.
      while (Date.now() % 1000 < 500 || Date.now() % 1000 > 600) await sleep(10);
      const started = Date.now();
      const session = await open(a.mcp);
      // Within a tenth of the idle timeout of the session's last write: this request writes nothing.
      await sleep(started + 800 - Date.now());
      expect(resulted(await raw(a.mcp, { headers: session, body: rpc(1, 'tools/call', { name: 'ping', arguments: {} }) }))).toBe(true);
      const lastRequest = Date.now();
      // 0.3 s before the task would close it, and past the expiry of its last write.
      await sleep(lastRequest + 9_700 - Date.now());
      expect(resulted(await raw(a.mcp, { headers: session, body: rpc(2, 'tools/call', { name: 'ping', arguments: {} }) }))).toBe(true);
      expect(a.stateful.sessions.has(session['mcp-session-id'])).toBe(true);
    } finally {
      await a.shutdown();
    }
  }, 20_000);

  it('keeps a session for the whole idle timeout after a request that outlasted it', async () => {
    const a = await start('a');
    try {
      const session = await open(a.mcp);
      // Two idle timeouts of countdown, which writes nothing.
      const countdown = await raw(a.mcp, { headers: session, body: rpc(1, 'tools/call', { name: 'countdown', arguments: { steps: 4, delayMs: 1_000 } }) });
      expect(resulted(countdown)).toBe(true);
      await sleep(1_500);
      expect(resulted(await raw(a.mcp, { headers: session, body: rpc(2, 'tools/call', { name: 'ping', arguments: {} }) }))).toBe(true);
    } finally {
      await a.shutdown();
    }
  }, 20_000);

  it('keeps a session whose only activity is an open GET stream, and lets it lapse once the stream is gone and the task let it go', async () => {
    const a = await start('a');
    const probe = new SessionRegistry(table, 'probe', 2_000, 100);
    const { storedMs } = durableLifetime({ idleTimeoutMs: 2_000 });
    try {
      const session = await open(a.mcp);
      const id = session['mcp-session-id'];
      const stream = new AbortController();
      const get = await fetch(a.mcp, { headers: { ...session, accept: 'text/event-stream' }, signal: stream.signal });
      void get.body?.pipeTo(new WritableStream()).catch(() => {});
      // Two idle timeouts with no request, only the open stream: still there for any instance to take over.
      await sleep(4_000);
      expect(await probe.load(id)).toMatchObject({ owner: 'a' });
      stream.abort();
      // The task holds it for an idle timeout after the stream ended (and closes it at its next sweep): so does the table.
      await sleep(2_000);
      expect(await probe.load(id)).toMatchObject({ owner: 'a' });
      // Gone once no write moved it for the stored lifetime, rounded up to the second.
      await sleep(storedMs + 1_000 + 300 - 2_000);
      expect(await probe.load(id)).toBeUndefined();
      expect(a.stateful.sessions.has(id)).toBe(false);
    } finally {
      await a.shutdown();
    }
  }, 20_000);

  it('answers the request in flight when its expiry refresh finds the session gone, then drops the session', async () => {
    const a = await start('a');
    const probe = new SessionRegistry(table, 'probe', 2_000, 100);
    try {
      const session = await open(a.mcp);
      // Past a tenth of the idle timeout, the next request refreshes the expiry: a write that now fails.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await probe.delete(session['mcp-session-id']);
      const call = await raw(a.mcp, { headers: session, body: rpc(1, 'tools/call', { name: 'countdown', arguments: { steps: 2, delayMs: 200 } }) });
      expect(call.status).toBe(200);
      expect(call.text).toMatch(/"id":1,"error":\{[^}]*moved to another instance, or ended/);
      await until(() => !a.stateful.sessions.has(session['mcp-session-id']));
    } finally {
      await a.shutdown();
    }
  }, 20_000);

  it('forgets a session whose handshake never finished: out of the registry, so no instance adopts it', async () => {
    const quick = { MCP_HANDSHAKE_TIMEOUT_MS: '300' };
    const [a, b] = await Promise.all([start('a', quick), start('b', quick)]);
    const probe = new SessionRegistry(table, 'probe', 2_000, 100);
    try {
      const init = await raw(a.mcp, { headers, body: rpc(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } }) });
      const id = String(init.headers['mcp-session-id']);
      expect(await probe.load(id)).toMatchObject({ owner: 'a' });
      await until(() => !a.stateful.sessions.has(id), 3_000);
      // The delete is written just after the session leaves this instance: a bounded wait for it.
      let stored = await probe.load(id);
      for (let tries = 0; stored && tries < 50; tries++) stored = await new Promise((resolve) => setTimeout(resolve, 20)).then(() => probe.load(id));
      expect(stored).toBeUndefined();
      const late = await raw(b.mcp, { headers: { ...headers, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' }, body: rpc(1, 'tools/list') });
      expect(late.status).toBe(404);
    } finally {
      await Promise.all([a.shutdown(), b.shutdown()]);
    }
  }, 20_000);

  it('declines a takeover with 503 on an instance at its session cap, not 404: the session is not gone', async () => {
    const [a, b] = await Promise.all([start('a'), start('b', { MCP_MAX_SESSIONS: '1' })]);
    try {
      const session = await open(a.mcp);
      await open(b.mcp); // b is full
      const declined = await raw(b.mcp, { headers: session, body: rpc(1, 'tools/call', { name: 'ping', arguments: {} }) });
      expect(declined.status).toBe(503);
      expect(declined.headers['retry-after']).toBe('1');
      expect(declined.error?.message).toMatch(/maximum of 1 sessions/);
      expect((await raw(a.mcp, { headers: session, body: rpc(2, 'tools/call', { name: 'ping', arguments: {} }) })).status).toBe(200);
    } finally {
      await Promise.all([a.shutdown(), b.shutdown()]);
    }
  }, 20_000);

  it('logs a session by its tag, never its whole id: requests, a takeover and an idle close', async () => {
    const lines: LogLine[] = [];
    const log: Logger = (line) => void lines.push(line);
    const [a, b] = await Promise.all([start('a', {}, log), start('b', {}, log)]);
    try {
      const session = await open(a.mcp);
      const id = session['mcp-session-id'];
      // b takes the session over once a has been quiet for the grace period; until then it answers 503, and a client retries.
      await new Promise((resolve) => setTimeout(resolve, OWNER_GRACE_MS));
      let status = 0;
      for (let tries = 0; tries < 10 && status !== 200; tries++) {
        if (tries) await new Promise((resolve) => setTimeout(resolve, 300));
        status = (await raw(b.mcp, { headers: session, body: rpc(1, 'tools/call', { name: 'ping', arguments: {} }) })).status;
      }
      expect(status).toBe(200);
      await until(() => lines.some((line) => line.msg === 'session idle, closing'), 6_000);
      const about = (msg: string) => lines.filter((line) => line.msg === msg).map((line) => line.session);
      expect(about('session rehydrated')).toEqual([sessionTag(id)]);
      expect(about('session idle, closing')).toContain(sessionTag(id));
      expect(about('request')).toContain(sessionTag(id));
      expect(lines.filter((line) => JSON.stringify(line).includes(id))).toEqual([]);
    } finally {
      await Promise.all([a.shutdown(), b.shutdown()]);
    }
  }, 20_000);
});
