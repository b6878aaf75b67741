import { asHttp, badInputCorpus } from '../../shared/test-support/bad-input';
import { raw } from '../../shared/test/support/raw-http';
import { MemorySessionStore } from '../src/memory-session-store';
import { loadSessionConfig } from '../src/session-config';
import type { SessionStore } from '../src/session-store';
import { startStateful } from './support/stateful';

const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const call = (id: number, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const initialize = call(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } });
const unknownId = '00000000-0000-4000-8000-000000000000';

describe('the stateful endpoint answers a client mistake with a 4xx and a JSON-RPC error', () => {
  let a: Awaited<ReturnType<typeof startStateful>>;
  let b: Awaited<ReturnType<typeof startStateful>>;
  let session: Record<string, string>;
  beforeAll(async () => {
    [a, b] = await Promise.all([startStateful({ MCP_MAX_BODY_BYTES: '65536' }, 'a'), startStateful({}, 'b')]);
    const init = await raw(a.mcp, { headers: json, body: initialize });
    session = { ...json, 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
  });
  afterAll(() => Promise.all([a.shutdown(), b.shutdown()]));

  it.each([
    ['an unknown session id', { headers: { ...json, 'mcp-session-id': unknownId }, body: call(1, 'tools/list') }, 404, -32001],
    ['a request without a session id', { headers: json, body: call(1, 'tools/list') }, 400, -32000],
    ['a DELETE of an unknown session', { method: 'DELETE', headers: { 'mcp-session-id': unknownId } }, 404, -32001],
    ['a DELETE without a session id', { method: 'DELETE', headers: {} }, 400, -32000],
    ['a GET stream without a session id', { method: 'GET', headers: { accept: 'text/event-stream' } }, 400, -32000],
    ['a GET stream for an unknown session', { method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': unknownId } }, 404, -32001],
    ['malformed JSON', { headers: json, body: '{"jsonrpc": "2.0", "id": 1, "method": ' }, 400, -32700],
    ['a body over the limit', { headers: json, body: call(1, 'initialize', { pad: 'x'.repeat(70_000) }) }, 413, -32600],
    ['an initialize that is not JSON-RPC', { headers: json, body: '{"method": "initialize"}' }, 400, -32600],
    ['a batch with an initialize in it', { headers: json, body: `[${initialize}]` }, 400, -32000],
    ['Content-Type text/plain', { headers: { ...json, 'content-type': 'text/plain' }, body: initialize }, 415, -32000],
    ['an unsupported HTTP method', { method: 'PUT', headers: json, body: initialize }, 405, -32000],
  ])('%s', async (_name, init, status, code) => {
    const response = await raw(a.mcp, init);
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.error?.code).toBe(code);
  });

  it.each(badInputCorpus('127.0.0.1'))('the corpus: %s', async (_name, request, status, code) => {
    const response = await raw(a.mcp, asHttp(request));
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.error?.code).toBe(code);
  });

  it('answers TRACE with 405 and Allow: GET, POST, DELETE', async () => {
    const response = await raw(a.mcp, { method: 'TRACE', headers: {} });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, POST, DELETE');
    expect(response.error?.code).toBe(-32000);
  });

  it('refuses a batch inside a live 2025-11-25 session with 400, and the session lives on', async () => {
    const response = await raw(a.mcp, { headers: session, body: `[${call(1, 'tools/list')},${call(2, 'tools/list')}]` });
    expect(response.status).toBe(400);
    expect(response.error?.code).toBe(-32600);
    expect((await raw(a.mcp, { headers: session, body: call(3, 'tools/list') })).status).toBe(200);
  });

  it('answers logging/setLevel with an unknown level -32602 (Invalid params) in a session, not -32603 with a zod dump', async () => {
    const response = await raw(a.mcp, { headers: session, body: call(1, 'logging/setLevel', { level: 'bogus' }) });
    expect(response.status).toBe(200);
    expect(response.error).toEqual({ code: -32602, message: expect.stringContaining('debug, info, notice') });
  });

  it('answers 404 to a session id that belongs to another instance, as a mis-routed request gets', async () => {
    const here = await raw(a.mcp, { headers: session, body: call(1, 'tools/list') });
    expect(here.status).toBe(200);
    const there = await raw(b.mcp, { headers: session, body: call(1, 'tools/list') });
    expect(there.status).toBe(404);
    expect(there.error).toEqual({ code: -32001, message: 'Session not found: start a new session with initialize' });
  });

  it.each([
    ['malformed JSON', '{"jsonrpc": "2.0", ', 400, -32700],
    ['JSON that is not JSON-RPC', '{"hello": "world"}', 400, -32600],
    ['an unknown method', call(1, 'no/such'), 200, -32601],
  ])('answers %s inside a live session without ending it', async (_name, body, status, code) => {
    const response = await raw(a.mcp, { headers: session, body });
    expect(response.status).toBe(status);
    // In a session the answer may be an SSE stream (a priming event, then the error).
    expect(response.text).toContain(`"code":${code}`);
    expect((await raw(a.mcp, { headers: session, body: call(2, 'tools/list') })).status).toBe(200);
  });

  it('answers a GET stream with the wrong Accept with 406', async () => {
    const response = await raw(a.mcp, { method: 'GET', headers: { ...session, accept: 'application/json' } });
    expect(response.status).toBe(406);
    expect(response.error?.code).toBe(-32000);
  });

  it('rejects a 2026-era request with a broken envelope on the modern path', async () => {
    const response = await raw(a.mcp, {
      headers: { ...json, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' },
      body: call(1, 'tools/list', { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } }),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.error?.code).toBe(-32602);
  });
});

describe('a session id that cannot be ours', () => {
  const asked: string[] = [];
  let server: Awaited<ReturnType<typeof startStateful>>;
  beforeAll(async () => {
    // With DynamoDB, a store read of such a key fails (500); the id must not get that far.
    const store: SessionStore = new MemorySessionStore(loadSessionConfig({}));
    const adopt = store.adopt.bind(store);
    store.adopt = (sessionId, host) => (asked.push(sessionId), adopt(sessionId, host));
    server = await startStateful({}, 'solo', 2_000, store);
  });
  afterAll(() => server.shutdown());

  it.each([
    ['8,000 characters', 'a'.repeat(8_000)],
    ['not a UUID', 'not-a-session'],
    ['an uppercase UUID, which randomUUID() never issues', 'ABCDEF00-0000-4000-8000-000000000000'],
  ])('answers %s with 404 and never asks the store', async (_name, id) => {
    for (const method of ['POST', 'GET', 'DELETE']) {
      const response = await raw(server.mcp, { method, headers: { ...json, 'mcp-session-id': id }, body: method === 'POST' ? call(1, 'tools/list') : undefined });
      expect(response.status).toBe(404);
      expect(response.error?.code).toBe(-32001);
    }
    expect(asked).toEqual([]);
  });

  it('still asks the store about an id of our format (the spy works)', async () => {
    expect((await raw(server.mcp, { headers: { ...json, 'mcp-session-id': unknownId }, body: call(1, 'tools/list') })).status).toBe(404);
    expect(asked).toEqual([unknownId]);
  });
});
