/**
 * The stateful sample runs the same resource server as the others (shared/test-support/resource-server
 * has the refusals): here, that a session's requests each need the token, and that the caller
 * reaches the tools of a 2025-era session and of a 2026-era request alike.
 */
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

import { connect } from '../../shared/test/support/clients';
import { raw } from '../../shared/test/support/raw-http';
import { startJwtIssuer, type JwtIssuer } from '../../shared/test-support/jwt-issuer';
import { describeSignIn } from '../../shared/test-support/resource-server';
import { startStateful } from './support/stateful';

let issuer: JwtIssuer;
let server: Awaited<ReturnType<typeof startStateful>>;
const token = (sub: string) => issuer.mint({ aud: server.mcp, sub });

beforeAll(async () => {
  issuer = await startJwtIssuer();
  server = await startStateful({ MCP_AUTH_ISSUER: issuer.issuer, MCP_AUTH_SCOPES: 'mcp' });
});
afterAll(async () => {
  await server?.shutdown();
  await issuer?.close();
});

it.each(['legacy', 'modern'] as const)('ping shows the token\'s subject, %s era', async (era) => {
  const client = await connect(server.url, era, undefined, token(`carol-${era}`));
  try {
    const pong = (await client.callTool({ name: 'ping', arguments: {} })).structuredContent;
    expect(pong).toMatchObject({ era, subject: `carol-${era}`, ...(era === 'legacy' && { session: expect.stringMatching(/^[0-9a-f]{12}$/) }) });
  } finally {
    await client.close();
  }
});

it('refuses a session\'s own requests without the token: 401 with the PRM URL', async () => {
  const client = await connect(server.url, 'legacy', undefined, token('dave'));
  try {
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    for (const method of ['POST', 'GET', 'DELETE']) {
      const response = await raw(server.mcp, { method, headers: { 'mcp-session-id': sessionId, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: method === 'POST' ? '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' : undefined });
      expect([method, response.status, response.error?.code]).toEqual([method, 401, -32001]);
      expect(response.headers['www-authenticate']).toContain(`resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`);
    }
  } finally {
    await client.close();
  }
});

describe('signing in through the local authorization server', () =>
  describeSignIn({
    async start(env) {
      const started = await startStateful(env);
      return { url: started.url, close: () => started.shutdown() };
    },
  }));
