/**
 * Everything of token verification that needs `aws-jwt-verify`, AWS's own verifier (no dependencies,
 * any JWKS issuer, Cognito-aware). `./verifier` loads this module with the first token it checks, so
 * a function or task without authentication never loads the library: a Lambda cold start does not
 * parse it. It imports nothing else of this project or the SDK, which keeps esbuild from wrapping
 * those modules in lazy initializers too (slower, in a cold start, than loading the library).
 * One JWKS cache per issuer: the keys are fetched on first use, and again when a token names a `kid`
 * the cache does not hold (a key rotation), at most once per 10 s (its penalty box), so tokens with
 * made-up `kid`s cannot make it hammer the issuer.
 */
import { get } from 'node:http';

import { JwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwksValidationError, JwtBaseError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import { SimpleFetcher, type Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';

/** A token's claims, or why it has none: the issuer's keys (or discovery document) could not be had, or the token is bad. */
export type Checked = { payload: JwtPayload } | { problem: 'issuer-unavailable' | 'invalid-token'; message: string };

/** Checks a token's signature, issuer, audience and times. */
export type TokenCheck = (token: string, audience: string) => Promise<Checked>;

/** The check for one issuer's tokens. Without a JWKS URI it is found in the issuer's discovery document, again after a failure. */
export function issuerTokenCheck(issuer: string, jwksUri?: string): TokenCheck {
  let verifier: Promise<ReturnType<typeof createJwtVerifier>> | undefined;
  return async (token, audience) => {
    verifier ??= (jwksUri ? Promise.resolve(jwksUri) : discoverJwksUri(issuer)).then((uri) => createJwtVerifier(issuer, uri));
    let ready: ReturnType<typeof createJwtVerifier>;
    try {
      ready = await verifier;
    } catch (error) {
      verifier = undefined; // an issuer down at the first request must not stay "down" for the life of the process
      return { problem: 'issuer-unavailable', message: (error as Error).message };
    }
    try {
      return { payload: await ready.verify(token, { audience }) };
    } catch (error) {
      if (error instanceof FetchError || error instanceof JwksValidationError) return { problem: 'issuer-unavailable', message: `The issuer's keys are unavailable: ${error.message}` };
      // Everything else aws-jwt-verify throws is about the token: malformed, expired, signed by a key not in the JWKS, another issuer or audience.
      if (error instanceof JwtBaseError) return { problem: 'invalid-token', message: error.message };
      throw error;
    }
  };
}

function createJwtVerifier(issuer: string, jwksUri: string) {
  // The audience is checked per call: locally it depends on the request's Host.
  return JwtVerifier.create({ issuer, jwksUri, audience: null }, { jwksCache: new SimpleJwksCache({ fetcher: keysFetcher }) });
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
  throw new Error(`No usable discovery document for ${issuer} (${problems.join('; ')})`);
}
