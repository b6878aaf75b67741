/**
 * A durable session whose only activity is an open GET stream stays alive in the registry: the
 * stream's ownership check moves the expiry forward as a request would, so another instance can
 * still take the session over after the idle timeout has passed since its last request.
 */
import { raw } from '../../shared/test/support/raw-http';
import { startDynalite, type LocalDynamo } from '../src/dynamo/local';
import { SessionRegistry } from '../src/dynamo/registry';
import { createLocalTable, sessionTable, type SessionTable } from '../src/dynamo/table';
import { loadSessionConfig } from '../src/session-config';
import { dynamoStores } from '../src/stores';
import { startStateful } from './support/stateful';

const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const rpc = (id: number, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });

describe('an open GET stream keeps its durable session alive', () => {
  let dynamo: LocalDynamo;
  let table: SessionTable;
  // A 2 s idle timeout, checked (and refreshed) by the stream every 1 s keep-alive.
  const env = { MCP_SESSION_IDLE_MS: '2000', MCP_SSE_KEEPALIVE_MS: '1000' };
  const start = (id: string) => startStateful(env, id, 2_000, dynamoStores(table, loadSessionConfig(env), { id, platform: 'local', version: '0' }));
  beforeAll(async () => {
    dynamo = await startDynalite();
    table = sessionTable('mcp-sessions', dynamo.endpoint);
    await createLocalTable(table);
  });
  afterAll(async () => {
    table?.doc.destroy();
    await dynamo?.stop();
  });

  it('moves the expiry forward while the stream is open, and lets it lapse once the stream is gone', async () => {
    const a = await start('a');
    const probe = new SessionRegistry(table, 'probe', 2_000, 100);
    try {
      const init = await raw(a.mcp, { headers, body: rpc(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } }) });
      const id = String(init.headers['mcp-session-id']);
      const session = { ...headers, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' };
      await raw(a.mcp, { headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
      const stream = new AbortController();
      const get = await fetch(a.mcp, { headers: { ...session, accept: 'text/event-stream' }, signal: stream.signal });
      void get.body?.pipeTo(new WritableStream()).catch(() => {});
      // Two idle timeouts with no request, only the open stream: still there for any instance to take over.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      expect(await probe.load(id)).toMatchObject({ owner: 'a' });
      stream.abort();
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await probe.load(id)).toBeUndefined();
    } finally {
      await a.shutdown();
    }
  }, 20_000);
});
