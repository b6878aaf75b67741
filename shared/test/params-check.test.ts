/**
 * A spec request with params the spec does not allow is the client's mistake: `-32602` (Invalid
 * params) with its first problem in one line, not the SDK's `-32603` with a zod dump, in both eras.
 * `logging/setLevel` with an unknown level names the levels, on a stateless 2025-era request and in
 * a session; a valid level still sets the session's filter.
 */
import { raw } from './support/raw-http';
import { startSessionful, startStateless } from './support/servers';

const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const setLevel = (id: number, params: object) => JSON.stringify({ jsonrpc: '2.0', id, method: 'logging/setLevel', params });
/** The JSON-RPC answer, whether the body is JSON or a one-event SSE stream. */
const answer = (text: string) => JSON.parse(/^data: (.*)$/m.exec(text)?.[1] ?? text) as { id: number; result?: object; error?: object };
const invalidParams = { code: -32602, message: 'Invalid params: logging/setLevel takes a level of debug, info, notice, warning, error, critical, alert, emergency' };

describe('logging/setLevel with a level that does not exist', () => {
  it('answers -32602 on a stateless 2025-era request', async () => {
    const server = await startStateless();
    try {
      for (const params of [{ level: 'bogus' }, {}, { level: 7 }]) {
        const response = await raw(`${server.url}/mcp`, { headers: json, body: setLevel(3, params) });
        expect(response.status).toBe(200);
        expect(answer(response.text)).toEqual({ jsonrpc: '2.0', id: 3, error: invalidParams });
      }
      expect(answer((await raw(`${server.url}/mcp`, { headers: json, body: setLevel(4, { level: 'debug' }) })).text)).toMatchObject({ id: 4, result: {} });
    } finally {
      await server.shutdown();
    }
  });

  it('answers -32602 in a session, which then takes a valid level', async () => {
    const server = await startSessionful();
    try {
      const mcp = `${server.url}/mcp`;
      const init = await raw(mcp, { headers: json, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }) });
      const session = { ...json, 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
      await raw(mcp, { headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
      expect(answer((await raw(mcp, { headers: session, body: setLevel(1, { level: 'bogus' }) })).text)).toEqual({ jsonrpc: '2.0', id: 1, error: invalidParams });
      expect(answer((await raw(mcp, { headers: session, body: setLevel(2, { level: 'error' }) })).text)).toMatchObject({ id: 2, result: {} });
    } finally {
      await server.shutdown();
    }
  });
});

describe('spec requests with params the spec does not allow', () => {
  const modern = { 'mcp-protocol-version': '2026-07-28' };
  const envelope = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
  const request = (era: 'legacy' | 'modern', method: string, params: object) => ({
    headers: { ...json, ...(era === 'modern' ? { ...modern, 'mcp-method': method } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 9, method, params: era === 'modern' ? { ...params, _meta: envelope } : params }),
  });

  it.each([
    ['legacy', 'resources/read', {}, /^Invalid params: resources\/read: params\.uri: /],
    ['legacy', 'prompts/get', {}, /^Invalid params: prompts\/get: params\.name: /],
    ['legacy', 'tools/list', { cursor: 5 }, /^Invalid params: tools\/list: params\.cursor: /],
    ['modern', 'resources/read', {}, /^Invalid params: resources\/read: params\.uri: /],
    ['modern', 'prompts/get', {}, /^Invalid params: prompts\/get: params\.name: /],
    ['modern', 'tools/list', { cursor: 5 }, /^Invalid params: tools\/list: params\.cursor: /],
  ] as const)('answers a %s-era %s with %j: -32602 and its first problem, in one line', async (era, method, params, message) => {
    const server = await startStateless();
    try {
      const response = await raw(`${server.url}/mcp`, request(era, method, params));
      expect(response.status).toBeLessThan(500);
      expect(response.error).toEqual({ code: -32602, message: expect.stringMatching(message) });
      expect(response.error!.message).not.toContain('\n');
      expect(response.error!.message.length).toBeLessThanOrEqual(200);
    } finally {
      await server.shutdown();
    }
  });

  it('leaves a method the server does not offer to the SDK: -32601, whatever its params', async () => {
    const server = await startStateless();
    try {
      // No completions here, and 2026-07-28 has no logging/setLevel.
      expect((await raw(`${server.url}/mcp`, request('legacy', 'completion/complete', {}))).error?.code).toBe(-32601);
      expect((await raw(`${server.url}/mcp`, request('modern', 'logging/setLevel', { level: 'bogus' }))).error?.code).toBe(-32601);
    } finally {
      await server.shutdown();
    }
  });
});
