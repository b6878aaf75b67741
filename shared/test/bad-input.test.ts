import { asHttp, badInputCorpus } from '../test-support/bad-input';
import { raw } from './support/raw-http';
import { startStateless } from './support/servers';

const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const echo = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'x' } } });

describe('the HTTP boundary answers a client mistake with a 4xx and a JSON-RPC error', () => {
  let server: Awaited<ReturnType<typeof startStateless>>;
  let mcp: string;
  beforeAll(async () => {
    server = await startStateless({ MCP_MAX_BODY_BYTES: '65536', MCP_ALLOWED_HOSTS: 'localhost,127.0.0.1', MCP_ALLOWED_ORIGINS: 'app.example.com' });
    mcp = `${server.url}/mcp`;
  });
  afterAll(() => server.shutdown());

  it.each([
    ['malformed JSON', { headers: json, body: '{"jsonrpc": "2.0", "id": 1, "method": ' }, 400, -32700],
    ['a body over the limit', { headers: json, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'x'.repeat(70_000) } } }) }, 413, -32600],
    ['JSON that is not JSON-RPC', { headers: json, body: '{"hello": "world"}' }, 400, -32600],
    ['a bare JSON string', { headers: json, body: '"tools/list"' }, 400, -32600],
    ['an empty batch', { headers: json, body: '[]' }, 400, -32600],
    ['an Accept without text/event-stream', { headers: { ...json, accept: 'application/json' }, body: echo }, 406, -32000],
    ['Content-Type text/plain', { headers: { ...json, 'content-type': 'text/plain' }, body: echo }, 415, -32000],
    ['a forbidden Origin', { headers: { ...json, origin: 'https://evil.example' }, body: echo }, 403, -32000],
    ['a forbidden Host (DNS rebinding)', { headers: { ...json, host: 'evil.example' }, body: echo }, 403, -32000],
    ['an unsupported protocol version', { headers: { ...json, 'mcp-protocol-version': '1999-01-01' }, body: echo }, 400, -32000],
    ['a 2025-era GET on a stateless server', { method: 'GET', headers: { accept: 'text/event-stream' } }, 405, -32000],
    ['a 2025-era DELETE on a stateless server', { method: 'DELETE', headers: {} }, 405, -32000],
  ])('%s', async (_name, init, status, code) => {
    const response = await raw(mcp, init);
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.error?.code).toBe(code);
    expect(response.error?.message).toEqual(expect.any(String));
  });

  it.each(badInputCorpus('127.0.0.1'))('the corpus: %s', async (_name, request, status, code) => {
    const response = await raw(mcp, asHttp(request));
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.error?.code).toBe(code);
  });

  it('answers TRACE with 405 and Allow: POST, as it answers GET and DELETE', async () => {
    const response = await raw(mcp, { method: 'TRACE', headers: {} });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
    expect(response.error?.code).toBe(-32000);
  });

  it('keeps JSON-RPC batches for a client at 2025-03-26, which still has them', async () => {
    const batch = JSON.stringify([1, 2].map((id) => ({ jsonrpc: '2.0', id, method: 'tools/list' })));
    const response = await raw(mcp, { headers: { ...json, 'mcp-protocol-version': '2025-03-26' }, body: batch });
    expect(response.status).toBe(200);
  });

  it('accepts JSON nested 60 deep in _meta, under the limit', async () => {
    const meta = `${'{"a":'.repeat(60)}1${'}'.repeat(60)}`;
    const response = await raw(mcp, { headers: json, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"x"},"_meta":${meta}}}` });
    expect(response.status).toBe(200);
  });

  it('tells a client that uses GET or DELETE that only POST is allowed', async () => {
    expect((await raw(mcp, { method: 'GET', headers: { accept: 'text/event-stream' } })).headers.allow).toBe('POST');
  });

  it('answers an unknown JSON-RPC method with -32601 in both eras', async () => {
    const legacy = await raw(mcp, { headers: json, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'no/such', params: {} }) });
    expect(legacy.status).toBe(200); // a JSON-RPC error inside a successful HTTP exchange
    expect(legacy.error?.code).toBe(-32601);

    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
    const modern = await raw(mcp, {
      headers: { ...json, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'no/such' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'no/such', params: { _meta: meta } }),
    });
    expect(modern.status).toBe(404);
    expect(modern.error?.code).toBe(-32601);
  });

  it('answers an unknown path with 404 and names the endpoint', async () => {
    const response = await raw(`${server.url}/sse`, { method: 'GET' });
    expect(response.status).toBe(404);
    expect(response.error?.message).toContain('/mcp');
  });

  it('serves /health whatever the Host, because load balancers probe by IP', async () => {
    const response = await raw(`${server.url}/health`, { method: 'GET', headers: { host: '10.0.3.17:8080' } });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toMatchObject({ status: 'ok' });
  });

  it('accepts an allowed Origin and still serves after all of the above', async () => {
    const response = await raw(mcp, { headers: { ...json, origin: 'https://app.example.com' }, body: echo });
    expect(response.status).toBe(200);
    expect(response.text).toContain('"text":"x"');
  });
});
