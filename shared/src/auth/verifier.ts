/**
 * Access-token verification: JWTs checked against the issuer's JWKS with `aws-jwt-verify`, AWS's
 * own verifier (no dependencies, any JWKS issuer, Cognito-aware). It keeps one JWKS cache per
 * process: the keys are fetched on first use, and again when a token names a `kid` the cache does
 * not hold (a key rotation), at most once per 10 s (its penalty box), so tokens with made-up `kid`s
 * cannot make it hammer the issuer.
 */
import { get } from 'node:http';

import type { AuthInfo, OAuthTokenVerifier } from '@modelcontextprotocol/server';
import { OAuthError, OAuthErrorCode } from '@modelcontextprotocol/server';
import { JwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwksValidationError, JwtBaseError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import { SimpleFetcher, type Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';

/** The authorization server's keys (or its discovery document) could not be fetched: the caller's token is not at fault. */
export class IssuerUnavailableError extends Error {
  override name = 'IssuerUnavailableError';
}

/** aws-jwt-verify's own limit for a JWKS response. */
const FETCH_TIMEOUT_MS = 3_000;

const httpsFetcher = new SimpleFetcher();

/**
 * aws-jwt-verify's own fetcher (`node:https`, one retry) for https. It refuses http, which the local
 * authorization server (`npm start -- --auth`, the tests) speaks on 127.0.0.1, so http gets a plain
 * `node:http` GET (config allows http on loopback only). Not `fetch`: its first request loads
 * undici's HTTP client, about twice the CPU of `node:http`'s in a cold start.
 */
const keysFetcher: Fetcher = {
  fetch: (uri) => (uri.startsWith('http:') ? loopbackGet(uri) : httpsFetcher.fetch(uri)),
};

function loopbackGet(uri: string): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const request = get(uri, { timeout: FETCH_TIMEOUT_MS }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        return reject(new NonRetryableFetchError(uri, `Status code is ${response.statusCode}, expected 200`));
      }
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks)).buffer));
      response.on('error', (error) => reject(new FetchError(uri, error.message)));
    });
    request.on('timeout', () => request.destroy(new Error(`Response time-out (after ${FETCH_TIMEOUT_MS} ms.)`)));
    request.on('error', (error) => reject(new FetchError(uri, error.message)));
  });
}

function createJwtVerifier(issuer: string, jwksUri: string) {
  // The audience is checked per call: locally it depends on the request's Host.
  return JwtVerifier.create({ issuer, jwksUri, audience: null }, { jwksCache: new SimpleJwksCache({ fetcher: keysFetcher }) });
}

/** One issuer's keys, shared by every verifier of this process: the JWKS is fetched once, lazily, and cached. */
export class IssuerKeys {
  private verifier?: Promise<ReturnType<typeof createJwtVerifier>>;

  constructor(
    readonly issuer: string,
    private readonly jwksUri?: string,
  ) {}

  /** The verifier, after finding the JWKS URI in the issuer's discovery document when none was configured. */
  jwtVerifier(): Promise<ReturnType<typeof createJwtVerifier>> {
    this.verifier ??= (this.jwksUri ? Promise.resolve(this.jwksUri) : discoverJwksUri(this.issuer)).then(
      (jwksUri) => createJwtVerifier(this.issuer, jwksUri),
      (error: Error) => {
        this.verifier = undefined; // an issuer down at the first request must not stay "down" for the life of the process
        throw error;
      },
    );
    return this.verifier;
  }
}

/** `jwks_uri` from the OpenID discovery document, then from RFC 8414 authorization-server metadata. */
async function discoverJwksUri(issuer: string): Promise<string> {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  const candidates = [`${url.origin}${path}/.well-known/openid-configuration`, `${url.origin}/.well-known/oauth-authorization-server${path}`];
  const problems: string[] = [];
  for (const candidate of candidates) {
    try {
      const metadata = JSON.parse(new TextDecoder().decode(await keysFetcher.fetch(candidate))) as { issuer?: unknown; jwks_uri?: unknown };
      // RFC 8414 §3.3: metadata for another issuer must not be used.
      if (metadata.issuer !== issuer) throw new Error(`it names the issuer ${JSON.stringify(metadata.issuer)}`);
      if (typeof metadata.jwks_uri !== 'string' || !URL.canParse(metadata.jwks_uri)) throw new Error('it has no jwks_uri');
      return metadata.jwks_uri;
    } catch (error) {
      problems.push(`${candidate}: ${(error as Error).message}`);
    }
  }
  throw new IssuerUnavailableError(`No usable discovery document for ${issuer} (${problems.join('; ')})`);
}

/**
 * The SDK's `OAuthTokenVerifier` for JWT access tokens from one issuer, for one audience. It fills
 * `AuthInfo` for the SDK's `verifyBearerToken`, which then checks the resource, the scopes and the
 * expiry itself: `resource` is the `aud` entry that matched, `extra` carries the subject and issuer.
 */
export class JwtTokenVerifier implements OAuthTokenVerifier {
  constructor(
    private readonly keys: IssuerKeys,
    private readonly audience: string,
  ) {}

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    let payload: JwtPayload;
    try {
      payload = await (await this.keys.jwtVerifier()).verify(token, { audience: this.audience });
    } catch (error) {
      throw asVerificationError(error);
    }
    return authInfoOf(token, payload, this.audience);
  }
}

function asVerificationError(error: unknown): unknown {
  if (error instanceof FetchError || error instanceof JwksValidationError) return new IssuerUnavailableError(`The issuer's keys are unavailable: ${error.message}`, { cause: error });
  // Everything else aws-jwt-verify throws is about the token: malformed, expired, signed by a key not in the JWKS, another issuer or audience.
  if (error instanceof JwtBaseError) return new OAuthError(OAuthErrorCode.InvalidToken, error.message);
  return error;
}

function authInfoOf(token: string, payload: JwtPayload, audience: string): AuthInfo {
  // RFC 9068 names the client `client_id`; OpenID providers (Entra ID, Auth0) put it in `azp`.
  const clientId = text(payload.client_id) ?? text(payload.azp);
  // A client_credentials token has no user: the client is the subject.
  const subject = text(payload.sub) ?? clientId;
  if (!subject) throw new OAuthError(OAuthErrorCode.InvalidToken, 'The token names neither a subject (sub) nor a client (client_id, azp)');
  const matched = ([] as unknown[]).concat(payload.aud).find((entry) => entry === audience) as string | undefined;
  return {
    token,
    clientId: clientId ?? '',
    scopes: scopesOf(payload),
    expiresAt: typeof payload.exp === 'number' ? payload.exp : undefined,
    resource: matched !== undefined && URL.canParse(matched) ? new URL(matched) : undefined,
    extra: { subject, issuer: payload.iss },
  };
}

/** `scope` is a space-separated string (RFC 9068, Cognito); Entra ID and Okta use `scp`, a string or an array. */
function scopesOf(payload: JwtPayload): string[] {
  const scopes = payload.scope ?? payload.scp;
  if (typeof scopes === 'string') return scopes.split(' ').filter(Boolean);
  return Array.isArray(scopes) ? scopes.filter((scope): scope is string => typeof scope === 'string') : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
