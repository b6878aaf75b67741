import { createMcpHandler } from '@modelcontextprotocol/server';

import { createMcpApp, createServerFactory, detectInstance, expressMcpHandler, loadConfig, serve, type LogLine } from '../src';
import { connect } from './support/clients';
import { raw } from './support/raw-http';

/** A stateless server on loopback whose log lines land in `lines`. */
async function startLogged(env: NodeJS.ProcessEnv = {}) {
  const lines: LogLine[] = [];
  const config = loadConfig(env);
  const instance = detectInstance({});
  const mcp = createMcpHandler(createServerFactory({ instance, config }));
  const app = createMcpApp({ config, instance, mcp: expressMcpHandler(mcp, config.maxBodyBytes), log: (l) => lines.push(l) });
  const server = await serve(app, { port: 0, host: '127.0.0.1', deadlineMs: 1_000, log: () => {} });
  return { lines, instance, server };
}

describe('request log', () => {
  it('writes one line per request with instance, era, method, session, status and duration, and never the body', async () => {
    const { lines, instance, server } = await startLogged();
    try {
      const client = await connect(server.url, 'modern');
      await client.callTool({ name: 'echo', arguments: { message: 'secret-token-123' } });
      await client.close();
      await raw(`${server.url}/mcp`, { headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{oops' });
      await new Promise((r) => setTimeout(r, 50));

      const call = lines.find((l) => l.method === 'tools/call');
      expect(call).toMatchObject({ msg: 'request', instance: instance.id, era: 'modern', path: '/mcp', status: 200 });
      expect(call?.durationMs).toEqual(expect.any(Number));
      expect(lines.at(-1)).toMatchObject({ era: 'legacy', method: 'POST', status: 400 });
      expect(JSON.stringify(lines)).not.toContain('secret-token-123');
    } finally {
      await server.shutdown();
    }
  });

  it('cuts client-supplied fields to 64 characters, tags the session, and logs the client behind one trusted hop', async () => {
    const { lines, server } = await startLogged();
    try {
      const headers = {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'user-agent': 'u'.repeat(5_000),
        'mcp-session-id': 's'.repeat(5_000),
        'x-forwarded-for': '10.9.9.9, 203.0.113.9',
      };
      await raw(`${server.url}/mcp`, { headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'm'.repeat(900_000) }) });
      await raw(`${server.url}/mcp`, { headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{oops' });
      await new Promise((r) => setTimeout(r, 50));

      expect(JSON.stringify(lines[0]).length).toBeLessThan(500);
      expect(lines[0]).toMatchObject({ method: expect.stringMatching(/^m{64}…$/), userAgent: expect.stringMatching(/^u{64}…$/), session: expect.stringMatching(/^[0-9a-f]{12}$/), client: '203.0.113.9' });
      expect(lines[1]).toMatchObject({ client: '127.0.0.1' }); // no X-Forwarded-For: the socket's peer
    } finally {
      await server.shutdown();
    }
  });

  it('logs the client behind CloudFront and the ALB, two trusted hops, whatever the client put in front', async () => {
    const { lines, server } = await startLogged({ MCP_TRUSTED_PROXY_HOPS: '2' });
    try {
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      // The client's own claim, then the viewer address CloudFront appended, then CloudFront's as the ALB saw it.
      await raw(`${server.url}/mcp`, { headers: { ...headers, 'x-forwarded-for': '10.9.9.9, 198.51.100.23, 10.0.3.17' }, body: '{}' });
      await raw(`${server.url}/mcp`, { headers: { ...headers, 'x-forwarded-for': '198.51.100.24, 10.0.3.17' }, body: '{}' });
      await new Promise((r) => setTimeout(r, 50));
      expect(lines.map((l) => l.client)).toEqual(['198.51.100.23', '198.51.100.24']);
    } finally {
      await server.shutdown();
    }
  });
});
