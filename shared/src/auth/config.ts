import { buildOAuthProtectedResourceMetadata } from '@modelcontextprotocol/server';

// A cycle with ../config, which calls loadAuthConfig: harmless, as ConfigError is only used once both have loaded.
import { ConfigError } from '../config';

/** The OAuth 2.1 resource-server settings; `undefined` in `Config.auth` means authentication is off. */
export interface AuthConfig {
  /** `MCP_AUTH_ISSUER`: compared exactly with a token's `iss`, listed in the PRM's `authorization_servers`. */
  issuer: string;
  /** `MCP_AUTH_JWKS_URI`; without it, the `jwks_uri` of the issuer's discovery document, fetched once. */
  jwksUri?: string;
  /** `MCP_RESOURCE_URL`: the public URL of `/mcp`. Without it (never in production), derived from the request's Host. */
  resourceUrl?: URL;
  /** `MCP_RESOURCE_METADATA_URL`: the PRM URL the 401 names; by default, RFC 9728 path insertion of the resource URL. */
  resourceMetadataUrl?: string;
  /** `MCP_AUTH_AUDIENCE`: what a token's `aud` must contain; by default, the resource URL. */
  audience?: string;
  /** `MCP_AUTH_SCOPES`: every one of them must be in the token's scopes, or 403. */
  scopes: string[];
}

/** `MCP_AUTH` and friends, validated at start-up: a bad value names its variable. */
export function loadAuthConfig(env: NodeJS.ProcessEnv, production: boolean): AuthConfig | undefined {
  const mode = env.MCP_AUTH || undefined;
  if (mode !== undefined && mode !== 'oauth' && mode !== 'none') throw new ConfigError(`MCP_AUTH must be oauth or none, got "${mode}"`);
  const issuer = env.MCP_AUTH_ISSUER || undefined;
  if (mode === 'none') return undefined;
  if (!issuer) {
    if (mode === 'oauth') throw new ConfigError('MCP_AUTH=oauth needs MCP_AUTH_ISSUER: the authorization server\'s issuer URL');
    // A production server open to anyone must be a decision, not a forgotten variable.
    if (production) throw new ConfigError('MCP_AUTH_ISSUER is required in production (the authorization server\'s issuer URL); set MCP_AUTH=none to run without authentication');
    return undefined;
  }
  checkIssuer(issuer);
  const resourceUrl = optionalUrl(env, 'MCP_RESOURCE_URL');
  if (!resourceUrl && production) throw new ConfigError('MCP_RESOURCE_URL is required in production with authentication: the public URL of the /mcp endpoint');
  return {
    issuer,
    jwksUri: optionalUrl(env, 'MCP_AUTH_JWKS_URI')?.href,
    resourceUrl,
    resourceMetadataUrl: optionalUrl(env, 'MCP_RESOURCE_METADATA_URL')?.href,
    audience: env.MCP_AUTH_AUDIENCE || undefined,
    scopes: env.MCP_AUTH_SCOPES?.split(/\s+/).filter(Boolean) ?? [],
  };
}

/** The SDK's own issuer check (HTTPS outside localhost, no query, no fragment), at start-up rather than on the first PRM request. */
function checkIssuer(issuer: string): void {
  try {
    buildOAuthProtectedResourceMetadata({ oauthMetadata: { issuer } as Parameters<typeof buildOAuthProtectedResourceMetadata>[0]['oauthMetadata'], resourceServerUrl: new URL('http://localhost/mcp') });
  } catch (error) {
    throw new ConfigError(`MCP_AUTH_ISSUER is not a valid issuer URL (${(error as Error).message}), got "${issuer}"`, { cause: error });
  }
}

function optionalUrl(env: NodeJS.ProcessEnv, name: string): URL | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  const url = URL.parse(raw);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash) throw new ConfigError(`${name} must be an http(s) URL without a fragment, got "${raw}"`);
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) throw new ConfigError(`${name} must be https outside loopback, got "${raw}"`);
  return url;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
