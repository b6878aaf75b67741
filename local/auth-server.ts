/**
 * A real OAuth 2.1 authorization server on loopback, for `npm start -- --auth` and the tests.
 *
 * It is oidc-provider (a certified OpenID provider) with open dynamic client registration, PKCE
 * S256 required, RFC 8707 resource indicators minting JWT access tokens whose `aud` is the
 * requested resource, the client_credentials grant, and one scope, `mcp`. Its sign-in and consent
 * pages have no human behind them: any authorization request signs in the one local user and is
 * granted what it asks for, so it suits a dev machine and nothing else. Its signing key and every
 * client, grant and token live in memory for one run.
 *
 * It runs as its own process: oidc-provider is an ES module, which the tests' CommonJS cannot
 * load. `startAuthServer()` spawns this file; run directly, it serves until SIGTERM:
 *
 *   PORT=4000 npx tsx local/auth-server.ts
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { integerSetting } from '@mcp-on-aws/shared';
import type { Configuration, default as Provider } from 'oidc-provider';

import { startServerProcess } from './processes';

/** The one account this server signs in. */
export const LOCAL_USER = 'local-user';

/** The scope an MCP server here requires (`MCP_AUTH_SCOPES`). */
export const MCP_SCOPE = 'mcp';

const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 3600;

export interface AuthServer {
  /** `http://127.0.0.1:<port>`: the `iss` of its tokens, and where its discovery documents are. */
  issuer: string;
  url: string;
  /** Stops the process; resolves once it has exited. */
  close(): Promise<void>;
}

export interface AuthServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Lifetime of the access tokens it mints (default 3600 s); a short one lets a test see a token expire. */
  accessTokenTtlSeconds?: number;
}

export async function startAuthServer(options: AuthServerOptions = {}): Promise<AuthServer> {
  const server = await startServerProcess(__filename, {
    PORT: String(options.port ?? 0),
    AUTH_ACCESS_TOKEN_TTL_SECONDS: String(options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS),
  });
  return { issuer: server.url, url: server.url, close: async () => void (await server.stop('SIGTERM')) };
}

/** A dev server protects only dev servers: an MCP endpoint on this machine, over plain HTTP. */
export function isLoopbackResource(resource: string): boolean {
  const url = URL.parse(resource);
  return url?.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost');
}

function isLoopbackOrigin(origin: string): boolean {
  return isLoopbackResource(origin) || origin.startsWith('https://localhost:') || origin.startsWith('https://127.0.0.1:');
}

function configuration(accessTokenTtlSeconds: number, InvalidTarget: new (description?: string) => Error): Configuration {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'offline_access', MCP_SCOPE],
    // OAuth 2.1: the authorization code flow only, no implicit or hybrid responses.
    responseTypes: ['code'],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      clientCredentials: { enabled: true },
      // The MCP servers here accept Bearer tokens only.
      dPoP: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        async getResourceServerInfo(_ctx, resource) {
          if (!isLoopbackResource(resource)) throw new InvalidTarget('this local authorization server only issues tokens for http://127.0.0.1 and http://localhost resources');
          return { scope: MCP_SCOPE, audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: accessTokenTtlSeconds, jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    // Any client registered with the refresh_token grant gets one, with or without offline_access, as MCP clients expect (SEP-2207).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    async findAccount(_ctx, sub) {
      return sub === LOCAL_USER ? { accountId: sub, claims: async () => ({ sub }) } : undefined;
    },
    interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // A browser client on a loopback page may call the token endpoint itself.
    clientBasedCORS: (_ctx, origin) => isLoopbackOrigin(origin),
    // An error that cannot go back to the client's redirect URI is JSON, never an HTML page.
    async renderError(ctx, out) {
      ctx.type = 'json';
      ctx.body = out;
    },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTtlSeconds,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Grant: 14 * 24 * 3600,
      Session: 14 * 24 * 3600,
      RefreshToken: 14 * 24 * 3600,
    },
  };
}

/**
 * The sign-in and consent "pages": each answers with a redirect straight back into the flow, as a
 * user who signs in as the local user and approves everything would.
 */
async function interact(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { prompt, params, session, grantId } = await provider.interactionDetails(req, res);
  if (prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: LOCAL_USER } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = (grantId ? await provider.Grant.find(grantId) : undefined) ?? new provider.Grant({ accountId: session!.accountId, clientId: params.client_id as string });
  const details = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(details.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

async function serve(port: number, accessTokenTtlSeconds: number): Promise<void> {
  const { default: Provider, errors } = await import('oidc-provider');
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, configuration(accessTokenTtlSeconds, errors.InvalidTarget));
  const oidc = provider.callback();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' || !/^\/interaction\/[\w-]+$/.test(req.url ?? '')) return void oidc(req, res);
    interact(provider, req, res).catch((error: Error) => {
      // A missing or stale interaction cookie: the flow has to start again from the client.
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_request', error_description: error.message }));
    });
  });

  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: issuer })}\n`);
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

if (require.main === module) {
  const { PORT, AUTH_ACCESS_TOKEN_TTL_SECONDS } = process.env;
  Promise.resolve()
    .then(() => serve(integerSetting('PORT', PORT, { fallback: 0, min: 0, max: 65_535 }), integerSetting('AUTH_ACCESS_TOKEN_TTL_SECONDS', AUTH_ACCESS_TOKEN_TTL_SECONDS, { fallback: DEFAULT_ACCESS_TOKEN_TTL_SECONDS, min: 1, max: 86_400 })))
    .catch((error: Error) => {
      process.stderr.write(`auth-server: ${error.message}\n`);
      process.exit(1);
    });
}
