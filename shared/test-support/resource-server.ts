/**
 * The OAuth resource-server behaviour every sample must show, run against its real server over
 * loopback (Express, or the Lambda handler behind the local API Gateway), with a real JWKS issuer
 * (./jwt-issuer) and the real v2 client for tool calls. Each sample's `resource-server.test.ts` calls
 * `describeResourceServer` with a way to start itself from an environment, and `describeSignIn`
 * for the whole OAuth flow through the local authorization server.
 */
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';

import { LOCAL_USER, MCP_SCOPE, startAuthServer, type AuthServer } from '../../local/auth-server';
import { connect } from '../test/support/clients';
import { raw, type RawResponse } from '../test/support/raw-http';
import { startJwtIssuer, strayKey, type JwtIssuer } from './jwt-issuer';
import { HeadlessOAuthClient } from './oauth-client';

export interface Target {
  /** The base URL: the MCP endpoint is `${url}/mcp`, the PRM `${url}/.well-known/oauth-protected-resource/mcp`. */
  url: string;
  close(): Promise<void>;
}

export interface ResourceServerSuite {
  /** Starts the sample with these environment variables added to its local configuration. */
  start(env: NodeJS.ProcessEnv): Promise<Target>;
  /** The sample serves `/health` (the ECS samples; API Gateway routes nothing but the API's paths). */
  health?: boolean;
}

const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'ping', arguments: {} } });
const post = (url: string, authorization?: string) => raw(`${url}/mcp`, { headers: { ...json, ...(authorization && { authorization }) }, body: ping });
const structured = (result: { structuredContent?: unknown }) => result.structuredContent as Record<string, unknown>;

function expectRefusal(response: RawResponse, status: number, code: number): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.error).toEqual({ code, message: expect.any(String) });
}

export function describeResourceServer({ start, health = false }: ResourceServerSuite): void {
  let issuer: JwtIssuer;
  let target: Target;
  let url: string;
  const bearer = (claims?: Record<string, unknown>) => `Bearer ${issuer.mint({ aud: `${url}/mcp`, ...claims })}`;

  beforeAll(async () => {
    issuer = await startJwtIssuer();
    target = await start({ MCP_AUTH_ISSUER: issuer.issuer, MCP_AUTH_SCOPES: 'mcp' });
    url = target.url;
  });
  afterAll(async () => {
    await target?.close();
    await issuer?.close();
  });

  describe('refuses a request without a valid token for this resource', () => {
    it('401 without a token, with the PRM URL and the scope in WWW-Authenticate, and a JSON-RPC body', async () => {
      const response = await post(url);
      expectRefusal(response, 401, -32001);
      expect(response.headers['www-authenticate']).toBe(
        `Bearer error="invalid_token", error_description="Missing Authorization header", scope="mcp", resource_metadata="${url}/.well-known/oauth-protected-resource/mcp"`,
      );
    });

    it.each([
      ['a malformed token', () => 'Bearer not.a.jwt'],
      ['another scheme', () => 'Basic dXNlcjpwYXNz'],
      ['an expired token', () => bearer({ exp: Math.floor(Date.now() / 1000) - 60 })],
      ['a token without an expiry', () => bearer({ exp: undefined })],
      ['a token signed by a key not in the JWKS', () => `Bearer ${issuer.mint({ aud: `${url}/mcp` }, strayKey())}`],
      ['a token from another issuer', () => bearer({ iss: 'http://127.0.0.1:9/other' })],
      ['a token minted for another resource', () => bearer({ aud: 'http://127.0.0.1:9/mcp' })],
      ['a token without an audience', () => bearer({ aud: undefined })],
      ['a token naming no subject and no client', () => bearer({ sub: undefined, client_id: undefined })],
    ])('401 for %s', async (_name, authorization) => {
      const response = await post(url, authorization());
      expectRefusal(response, 401, -32001);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token", .*resource_metadata="/);
    });

    it('403 insufficient_scope for a valid token without the required scope', async () => {
      const response = await post(url, bearer({ scope: 'profile email' }));
      expectRefusal(response, 403, -32001);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer error="insufficient_scope", .*scope="mcp", resource_metadata="/);
    });

    it('400 invalid_request for a token in the query string, even a valid one', async () => {
      const token = issuer.mint({ aud: `${url}/mcp` });
      const response = await raw(`${url}/mcp?access_token=${token}`, { headers: json, body: ping });
      expectRefusal(response, 400, -32600);
      expect(response.error?.message).toContain('query string');
    });
  });

  describe('serves its Protected Resource Metadata without a token', () => {
    it.each(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource'])('GET %s: 200 with resource, authorization_servers and CORS', async (path) => {
      const response = await raw(`${url}${path}`, { method: 'GET', headers: { origin: 'http://localhost:6274' } });
      expect(response.status).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(JSON.parse(response.text)).toEqual({ resource: `${url}/mcp`, authorization_servers: [issuer.issuer], scopes_supported: ['mcp'], resource_name: 'mcp-on-aws' });
    });

    it('answers a CORS preflight with 204', async () => {
      const response = await raw(`${url}/.well-known/oauth-protected-resource/mcp`, { method: 'OPTIONS', headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'GET', 'access-control-request-headers': 'mcp-protocol-version' } });
      expect(response.status).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers['access-control-allow-headers']).toBe('mcp-protocol-version');
    });

    if (health) {
      it('serves /health without a token', async () => {
        expect((await raw(`${url}/health`, { method: 'GET' })).status).toBe(200);
      });
    }
  });

  describe.each(['legacy', 'modern'] as const)('lets a real v2 client with a valid token call tools, %s era', (era) => {
    it('ping shows the token\'s subject', async () => {
      const client = await connect(url, era, undefined, issuer.mint({ aud: `${url}/mcp`, sub: `alice-${era}` }));
      try {
        expect(structured(await client.callTool({ name: 'ping', arguments: {} }))).toMatchObject({ pong: true, era, subject: `alice-${era}` });
      } finally {
        await client.close();
      }
    });

    it('a client_credentials token (no sub) is its client', async () => {
      const client = await connect(url, era, undefined, issuer.mint({ aud: [`${url}/mcp`, 'other'], sub: undefined, client_id: undefined, azp: 'robot', scp: ['mcp'], scope: undefined }));
      try {
        expect(structured(await client.callTool({ name: 'ping', arguments: {} }))).toMatchObject({ subject: 'robot' });
      } finally {
        await client.close();
      }
    });
  });

  describe('fetches the JWKS once per process, and again on an unknown key', () => {
    it('discovers the JWKS once and reuses it for many requests', async () => {
      const fresh = await start({ MCP_AUTH_ISSUER: issuer.issuer, MCP_AUTH_SCOPES: 'mcp' });
      const before = { ...issuer.fetches };
      try {
        const authorization = `Bearer ${issuer.mint({ aud: `${fresh.url}/mcp` })}`;
        for (let i = 0; i < 10; i++) expect((await post(fresh.url, authorization)).status).toBe(200);
        expect(issuer.fetches).toEqual({ jwks: before.jwks + 1, discovery: before.discovery + 1 });
      } finally {
        await fresh.close();
      }
    });

    it('refetches the JWKS once for a token signed by a newly rotated key', async () => {
      const fresh = await start({ MCP_AUTH_ISSUER: issuer.issuer, MCP_AUTH_JWKS_URI: issuer.jwksUri });
      try {
        expect((await post(fresh.url, `Bearer ${issuer.mint({ aud: `${fresh.url}/mcp` })}`)).status).toBe(200);
        const before = { ...issuer.fetches };
        const rotated = `Bearer ${issuer.mint({ aud: `${fresh.url}/mcp` }, issuer.rotate())}`;
        for (let i = 0; i < 3; i++) expect((await post(fresh.url, rotated)).status).toBe(200);
        // MCP_AUTH_JWKS_URI set: no discovery at all.
        expect(issuer.fetches).toEqual({ jwks: before.jwks + 1, discovery: before.discovery });
      } finally {
        await fresh.close();
      }
    });
  });

  it('answers 503 with Retry-After, not 401, when the issuer is out of reach', async () => {
    const gone = await startJwtIssuer();
    const token = gone.mint();
    await gone.close();
    const fresh = await start({ MCP_AUTH_ISSUER: gone.issuer });
    try {
      const response = await post(fresh.url, `Bearer ${token}`);
      expectRefusal(response, 503, -32000);
      expect(response.headers['retry-after']).toBe('5');
    } finally {
      await fresh.close();
    }
  });

  it('accepts tokens again once an issuer that was down at the first request is back, without a restart', async () => {
    const down = await startJwtIssuer();
    const { port } = new URL(down.issuer);
    await down.close();
    const fresh = await start({ MCP_AUTH_ISSUER: down.issuer });
    try {
      expectRefusal(await post(fresh.url, `Bearer ${down.mint({ aud: `${fresh.url}/mcp` })}`), 503, -32000);
      const back = await startJwtIssuer(Number(port));
      try {
        expect((await post(fresh.url, `Bearer ${back.mint({ aud: `${fresh.url}/mcp` })}`)).status).toBe(200);
      } finally {
        await back.close();
      }
    } finally {
      await fresh.close();
    }
  });

  it('checks the configured resource and names the configured PRM URL (the Lambda stack\'s settings)', async () => {
    const resource = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/mcp';
    const metadata = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/.well-known/oauth-protected-resource/mcp';
    const fresh = await start({ MCP_AUTH_ISSUER: issuer.issuer, MCP_RESOURCE_URL: resource, MCP_RESOURCE_METADATA_URL: metadata });
    try {
      expect((await post(fresh.url, `Bearer ${issuer.mint({ aud: resource })}`)).status).toBe(200);
      const local = await post(fresh.url, `Bearer ${issuer.mint({ aud: `${fresh.url}/mcp` })}`);
      expect(local.status).toBe(401);
      expect(local.headers['www-authenticate']).toContain(`resource_metadata="${metadata}"`);
      const prm = await raw(`${fresh.url}/.well-known/oauth-protected-resource/mcp`, { method: 'GET' });
      expect(JSON.parse(prm.text)).toMatchObject({ resource });
    } finally {
      await fresh.close();
    }
  });

  describe('with authentication off (MCP_AUTH=none, even with an issuer set), as before', () => {
    let open: Target;
    beforeAll(async () => (open = await start({ MCP_AUTH: 'none', MCP_AUTH_ISSUER: issuer.issuer })));
    afterAll(() => open?.close());

    it('serves a call without a token, and ping shows no subject', async () => {
      const response = await post(open.url);
      expect(response.status).toBe(200);
      expect(response.text).toContain('\\"pong\\":true');
      expect(response.text).not.toContain('subject');
    });

    it('serves no PRM', async () => {
      const response = await raw(`${open.url}/.well-known/oauth-protected-resource/mcp`, { method: 'GET' });
      expect(response.status).not.toBe(200);
    });
  });
}

/**
 * The whole sign-in as an MCP client does it, against the sample and the local authorization
 * server (local/auth-server.ts): the v2 client's own OAuth support (`OAuthClientProvider`, here the
 * headless one) goes from the 401 to the PRM, the authorization server's metadata, registration,
 * the code with PKCE and the token, then calls a tool, in both eras.
 */
export function describeSignIn({ start }: Pick<ResourceServerSuite, 'start'>): void {
  let as: AuthServer;
  let target: Target;

  beforeAll(async () => {
    as = await startAuthServer();
    target = await start({ MCP_AUTH_ISSUER: as.issuer, MCP_AUTH_SCOPES: MCP_SCOPE });
  });
  afterAll(async () => {
    await target?.close();
    await as?.close();
  });

  it.each(['legacy', 'modern'] as const)('a v2 client signs in through the local authorization server and calls ping as its user, %s era', async (era) => {
    const endpoint = new URL(`${target.url}/mcp`);
    const seen: string[] = [];
    // The transport's fetch carries the client's own requests: to the MCP server and, for discovery, registration and the token, to the authorization server.
    const recording: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = new URL(input instanceof Request ? input.url : input);
      seen.push(`${init?.method ?? (input instanceof Request ? input.method : 'GET')} ${url.origin === as.issuer ? 'AS ' : ''}${url.pathname} ${response.status}`);
      return response;
    };
    const oauth = new HeadlessOAuthClient();
    const client = new Client({ name: 'sign-in-test', version: '1.0.0' }, { versionNegotiation: { mode: era === 'modern' ? 'auto' : 'legacy' } });
    const refused = await client.connect(new StreamableHTTPClientTransport(endpoint, { authProvider: oauth, fetch: recording })).catch((error: unknown) => error);
    // The modern era's probe wraps the UnauthorizedError in its negotiation error.
    expect(refused instanceof UnauthorizedError || (refused as { data?: { cause?: unknown } }).data?.cause instanceof UnauthorizedError).toBe(true);
    const transport = new StreamableHTTPClientTransport(endpoint, { authProvider: oauth, fetch: recording });
    await transport.finishAuth(oauth.takeCallback());
    await client.connect(transport);
    try {
      expect(structured(await client.callTool({ name: 'ping', arguments: {} }))).toMatchObject({ pong: true, era, subject: LOCAL_USER });
    } finally {
      await client.close();
    }
    const prm = new URL(`${target.url}/.well-known/oauth-protected-resource/mcp`).pathname;
    expect(seen.slice(0, 6)).toEqual([
      `POST ${endpoint.pathname} 401`,
      `GET ${prm} 200`,
      expect.stringMatching(/^GET AS \/\.well-known\/(oauth-authorization-server|openid-configuration)\S* 200$/),
      'POST AS /reg 201',
      'POST AS /token 200',
      `POST ${endpoint.pathname} 200`,
    ]);
  });
}
