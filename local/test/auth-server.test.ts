/**
 * The local authorization server (`local/auth-server.ts`) as an MCP client meets it: its discovery
 * documents, open registration, the authorization code flow with PKCE, JWT access tokens bound to
 * the requested loopback resource and verified against its JWKS with aws-jwt-verify, the refusals,
 * client_credentials, and the v2 SDK client's own `auth()` driving all of it from a PRM document.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  auth,
  Client,
  ClientCredentialsProvider,
  discoverAuthorizationServerMetadata,
  exchangeAuthorization,
  startAuthorization,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type AuthorizationServerMetadata,
  type OAuthClientInformationFull,
} from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { oauthMetadataResponse, type OAuthMetadata } from '@modelcontextprotocol/server';
import { JwtVerifier } from 'aws-jwt-verify';
import type { Jwks } from 'aws-jwt-verify/jwk';

import { startStateless } from '../../shared/test/support/servers';
import { AuthorizationRefusedError, followAuthorization, HeadlessOAuthClient } from '../../shared/test-support/oauth-client';
import { LOCAL_USER, MCP_SCOPE, startAuthServer, type AuthServer } from '../auth-server';

const CALLBACK = 'http://127.0.0.1/oauth/callback';

/**
 * A stand-in for an MCP server's resource-server half: its RFC 9728 PRM naming the issuer (the
 * SDK's `oauthMetadataResponse`), and, given an upstream MCP server, a `/mcp` that answers 401 with
 * `resource_metadata` unless the request carries a token for it, then forwards.
 */
async function startProtectedResource(issuer: string, upstream?: string): Promise<{ resource: string; close(): Promise<void> }> {
  const oauthMetadata = (await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json()) as OAuthMetadata;
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const resourceServerUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  const challenge = `Bearer resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', resourceServerUrl)}", scope="${MCP_SCOPE}"`;
  const handler = {
    async fetch(request: Request) {
      const documents = oauthMetadataResponse(request, { oauthMetadata, resourceServerUrl, scopesSupported: [MCP_SCOPE] });
      if (documents || !upstream || new URL(request.url).pathname !== '/mcp') return documents ?? new Response(null, { status: 404 });
      const token = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
      if (!token || !(await verify(token, issuer, resourceServerUrl.href).catch(() => undefined))) return new Response(null, { status: 401, headers: { 'www-authenticate': challenge } });
      const headers = new Headers(request.headers);
      headers.delete('authorization'); // a resource server never passes a client's token upstream
      return fetch(`${upstream}/mcp`, { method: request.method, headers, body: request.method === 'POST' ? await request.arrayBuffer() : undefined });
    },
  };
  server.on('request', toNodeHandler(handler));
  return {
    resource: resourceServerUrl.href,
    close: () => new Promise<void>((resolve) => server.closeAllConnections() ?? server.close(() => resolve())),
  };
}

/** Its claims, once aws-jwt-verify has checked signature (against the issuer's JWKS), `iss`, `aud` and expiry. */
async function verify(token: string, issuer: string, audience: string) {
  const verifier = JwtVerifier.create({ issuer, audience, jwksUri: `${issuer}/jwks` });
  // aws-jwt-verify fetches a JWKS over https only, and this issuer is http: hand it the JWKS.
  verifier.cacheJwks((await (await fetch(`${issuer}/jwks`)).json()) as Jwks);
  return verifier.verify(token);
}

async function register(issuer: string, metadata: Record<string, unknown>): Promise<OAuthClientInformationFull & { status: number }> {
  const response = await fetch(`${issuer}/reg`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(metadata) });
  return { status: response.status, ...((await response.json()) as OAuthClientInformationFull) };
}

const publicClient = { client_name: 'test', redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none', application_type: 'native', grant_types: ['authorization_code', 'refresh_token'] };
const serviceClient = { client_name: 'service', redirect_uris: [], response_types: [], grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' };

describe('local authorization server', () => {
  let as: AuthServer;
  let resource: string;
  let closeResource: () => Promise<void>;
  let metadata: AuthorizationServerMetadata;

  beforeAll(async () => {
    as = await startAuthServer();
    ({ resource, close: closeResource } = await startProtectedResource(as.issuer));
    metadata = (await discoverAuthorizationServerMetadata(as.issuer))!;
  });

  afterAll(async () => {
    await closeResource?.();
    await as?.close();
  });

  it('publishes OpenID and RFC 8414 metadata for its loopback issuer: code flow with S256 only, registration, client_credentials, the mcp scope', async () => {
    expect(as.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const response = await fetch(`${as.issuer}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        issuer: as.issuer,
        jwks_uri: `${as.issuer}/jwks`,
        registration_endpoint: `${as.issuer}/reg`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        grant_types_supported: expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
        scopes_supported: expect.arrayContaining([MCP_SCOPE]),
        authorization_response_iss_parameter_supported: true,
      });
    }
    expect(metadata.grant_types_supported).not.toContain('implicit');
  });

  it('registers any client by dynamic registration, public ones without a secret, as mcp-remote and the Inspector send them', async () => {
    const pub = await register(as.issuer, publicClient);
    expect(pub).toMatchObject({ status: 201, client_id: expect.any(String), redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none' });
    expect(pub.client_secret).toBeUndefined();
    const service = await register(as.issuer, serviceClient);
    expect(service).toMatchObject({ status: 201, client_secret: expect.any(String) });

    // What the clients the npm start banner names send (mcp-remote 0.1, the MCP Inspector 2.12): a web client on localhost, a native one.
    const mcpRemote = { redirect_uris: ['http://localhost:3335/oauth/callback'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], client_name: 'MCP CLI Client', client_uri: 'https://github.com/modelcontextprotocol/mcp-cli', software_id: '2e6dc280-f3c3-4e01-99a7-8181dbd1d23d', software_version: '0.1.29', scope: MCP_SCOPE };
    const inspector = { redirect_uris: ['http://127.0.0.1:6276/oauth/callback'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], client_name: 'MCP Inspector', client_uri: 'https://github.com/modelcontextprotocol/inspector', scope: `${MCP_SCOPE} offline_access`, application_type: 'native' };
    for (const metadata of [mcpRemote, inspector]) expect(await register(as.issuer, metadata)).toMatchObject({ status: 201, client_name: metadata.client_name, redirect_uris: metadata.redirect_uris });
  });

  it('issues, for a code with PKCE, a JWT whose aud is the requested resource and iss the issuer, for the local user, verified against its JWKS', async () => {
    const client = await register(as.issuer, publicClient);
    const { authorizationUrl, codeVerifier } = await startAuthorization(as.issuer, { metadata, clientInformation: client, redirectUrl: CALLBACK, scope: MCP_SCOPE, resource });
    const callback = await followAuthorization(authorizationUrl, CALLBACK);
    expect(callback.get('iss')).toBe(as.issuer);
    const exchange = { metadata, clientInformation: client, authorizationCode: callback.get('code')!, iss: as.issuer, redirectUri: CALLBACK, resource };

    // The code is bound to the PKCE challenge: another verifier cannot redeem it.
    await expect(exchangeAuthorization(as.issuer, { ...exchange, codeVerifier: `${codeVerifier.slice(1)}x` })).rejects.toMatchObject({ code: 'invalid_grant' });

    const redeemAgain = await startAuthorization(as.issuer, { metadata, clientInformation: client, redirectUrl: CALLBACK, scope: MCP_SCOPE, resource });
    const fresh = await followAuthorization(redeemAgain.authorizationUrl, CALLBACK);
    // Without `resource` at the token endpoint (some clients send it only when authorizing), the token is for the consented one.
    const tokens = await exchangeAuthorization(as.issuer, { ...exchange, resource: undefined, authorizationCode: fresh.get('code')!, codeVerifier: redeemAgain.codeVerifier });
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: MCP_SCOPE, refresh_token: expect.any(String) });
    const claims = await verify(tokens.access_token, as.issuer, resource);
    expect(claims).toMatchObject({ iss: as.issuer, aud: resource, sub: LOCAL_USER, client_id: client.client_id, scope: MCP_SCOPE });
    expect(claims.exp! - claims.iat!).toBe(3600);
    // Signed for that resource only.
    await expect(verify(tokens.access_token, as.issuer, 'http://127.0.0.1:1/mcp')).rejects.toThrow(/audience/i);
  });

  it('refuses an authorization request without a PKCE challenge, from a public client or one with a secret', async () => {
    const confidential = { ...publicClient, token_endpoint_auth_method: 'client_secret_basic', application_type: 'web' };
    for (const client of [await register(as.issuer, publicClient), await register(as.issuer, confidential)]) {
      const url = new URL(metadata.authorization_endpoint);
      url.search = new URLSearchParams({ response_type: 'code', client_id: client.client_id, redirect_uri: CALLBACK, scope: MCP_SCOPE, resource, state: 's' }).toString();
      await expect(followAuthorization(url, CALLBACK)).rejects.toMatchObject({ error: 'invalid_request', description: expect.stringMatching(/PKCE/) });
    }
  });

  it('answers a request it cannot redirect back with a JSON error, never an HTML page', async () => {
    for (const path of ['/auth?response_type=code&client_id=nobody', '/interaction/no-such-interaction']) {
      const response = await fetch(`${as.issuer}${path}`, { redirect: 'manual' });
      expect({ path, status: response.status, type: response.headers.get('content-type') }).toEqual({ path, status: 400, type: expect.stringMatching(/^application\/json/) });
      expect(await response.json()).toMatchObject({ error: expect.any(String), error_description: expect.any(String) });
    }
  });

  it('refuses a resource that is not on loopback with invalid_target, at the authorization and the token endpoint', async () => {
    const client = await register(as.issuer, publicClient);
    for (const foreign of ['https://example.com/mcp', 'http://10.0.0.1:3000/mcp']) {
      const { authorizationUrl } = await startAuthorization(as.issuer, { metadata, clientInformation: client, redirectUrl: CALLBACK, scope: MCP_SCOPE, resource: foreign });
      const refusal = await followAuthorization(authorizationUrl, CALLBACK).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(AuthorizationRefusedError);
      expect(refusal).toMatchObject({ error: 'invalid_target' });
    }

    const service = await register(as.issuer, serviceClient);
    const response = await fetch(`${as.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${service.client_id}:${service.client_secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: MCP_SCOPE, resource: 'https://example.com/mcp' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_target' });
  });

  it('gives a client registered with a secret a JWT for the resource through the SDK ClientCredentialsProvider', async () => {
    const service = await register(as.issuer, serviceClient);
    const provider = new ClientCredentialsProvider({ clientId: service.client_id, clientSecret: service.client_secret!, expectedIssuer: as.issuer });
    expect(await auth(provider, { serverUrl: resource })).toBe('AUTHORIZED');
    const claims = await verify(provider.tokens()!.access_token, as.issuer, resource);
    expect(claims).toMatchObject({ iss: as.issuer, aud: resource, client_id: service.client_id, scope: MCP_SCOPE });
  });

  it("lets the SDK client's auth() run discovery from the PRM, registration, the code with PKCE and the token exchange, then refresh", async () => {
    const oauth = new HeadlessOAuthClient();
    const tokens = await oauth.authorize(resource);
    expect(oauth.clientInformation()).toMatchObject({ client_id: expect.any(String), issuer: as.issuer });
    expect(oauth.discoveryState()).toMatchObject({ authorizationServerUrl: as.issuer, resourceMetadata: { resource, authorization_servers: [as.issuer] } });
    expect(await verify(tokens.access_token, as.issuer, resource)).toMatchObject({ sub: LOCAL_USER, aud: resource, scope: MCP_SCOPE });

    // With tokens in hand, auth() refreshes instead of sending the user back to the authorization server.
    expect(await auth(oauth, { serverUrl: resource })).toBe('AUTHORIZED');
    const refreshed = oauth.tokens()!;
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(await verify(refreshed.access_token, as.issuer, resource)).toMatchObject({ sub: LOCAL_USER, aud: resource });
  });

  it('signs a v2 SDK client in through its transport, as the HeadlessOAuthClient documents: the 401, finishAuth with the code, then tools/call, in both eras', async () => {
    const mcp = await startStateless();
    const protectedMcp = await startProtectedResource(as.issuer, mcp.url);
    try {
      for (const era of ['legacy', 'modern'] as const) {
        const oauth = new HeadlessOAuthClient();
        const client = new Client({ name: 'oauth-test', version: '1.0.0' }, { versionNegotiation: { mode: era === 'modern' ? 'auto' : 'legacy' } });
        const transport = new StreamableHTTPClientTransport(new URL(protectedMcp.resource), { authProvider: oauth });
        const refused = await client.connect(transport).catch((error: unknown) => error);
        // The modern era's probe wraps the UnauthorizedError in its negotiation error.
        expect(refused instanceof UnauthorizedError || (refused as { data?: { cause?: unknown } }).data?.cause instanceof UnauthorizedError).toBe(true);
        await transport.finishAuth(oauth.takeCallback());
        await client.connect(new StreamableHTTPClientTransport(new URL(protectedMcp.resource), { authProvider: oauth }));
        const result = await client.callTool({ name: 'ping', arguments: {} });
        expect(result.structuredContent).toMatchObject({ pong: true, era });
        await client.close();
      }
    } finally {
      await protectedMcp.close();
      await mcp.shutdown();
    }
  });
});

describe('startAuthServer options', () => {
  it('mints tokens that expire after accessTokenTtlSeconds, and close() leaves nothing listening', async () => {
    const as = await startAuthServer({ accessTokenTtlSeconds: 1 });
    const { resource, close } = await startProtectedResource(as.issuer);
    try {
      const service = await register(as.issuer, serviceClient);
      const provider = new ClientCredentialsProvider({ clientId: service.client_id, clientSecret: service.client_secret!, expectedIssuer: as.issuer });
      await auth(provider, { serverUrl: resource });
      const token = provider.tokens()!.access_token;
      const claims = await verify(token, as.issuer, resource);
      expect(claims.exp! - claims.iat!).toBe(1);
      await new Promise((r) => setTimeout(r, (claims.exp! + 1) * 1000 - Date.now()));
      await expect(verify(token, as.issuer, resource)).rejects.toThrow(/expired/i);
    } finally {
      await close();
      await as.close();
    }
    await expect(fetch(`${as.issuer}/.well-known/openid-configuration`)).rejects.toThrow();
  });
});
