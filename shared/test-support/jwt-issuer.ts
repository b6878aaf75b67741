/**
 * A small real JWT issuer on 127.0.0.1 for the resource-server tests: an OpenID discovery document,
 * a JWKS, and RS256 access tokens with whatever claims a test chooses, signed with node:crypto.
 * It counts the requests for its JWKS and discovery document, so a test can see the verifier's cache.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSign, generateKeyPairSync, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: JsonWebKey;
}

export interface JwtIssuer {
  /** `http://127.0.0.1:<port>`: the `iss` of its tokens. */
  issuer: string;
  jwksUri: string;
  /** How many times the JWKS and the discovery document were fetched. */
  fetches: { jwks: number; discovery: number };
  /**
   * A token: `sub`, `client_id`, `scope`, `iat` and `exp` (in 5 minutes) by default, overridden or
   * removed (`undefined`) by `claims`; signed with the issuer's current key, or with `key`.
   */
  mint(claims?: Record<string, unknown>, key?: SigningKey): string;
  /** A new key, published in the JWKS from now on and used by `mint`: a key rotation. */
  rotate(): SigningKey;
  close(): Promise<void>;
}

/** A key pair the issuer does not publish: its tokens fail signature checks. */
export function strayKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid: randomUUID(), privateKey, jwk: publicKey.export({ format: 'jwk' }) };
}

/** On `port`, or any free one: a test that brings an issuer back after an outage names the port it had. */
export async function startJwtIssuer(port = 0): Promise<JwtIssuer> {
  const keys: SigningKey[] = [strayKey()];
  const fetches = { jwks: 0, discovery: 0 };
  const server = createServer((req, res) => {
    const send = (body: unknown) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/.well-known/openid-configuration') {
      fetches.discovery++;
      return send({ issuer, jwks_uri: `${issuer}/jwks.json`, response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] });
    }
    if (req.url === '/jwks.json') {
      fetches.jwks++;
      return send({ keys: keys.map(({ kid, jwk }) => ({ ...jwk, kid, use: 'sig', alg: 'RS256' })) });
    }
    res.writeHead(404).end();
  });
  server.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    jwksUri: `${issuer}/jwks.json`,
    fetches,
    mint(claims = {}, key = keys.at(-1)!) {
      const now = Math.floor(Date.now() / 1000);
      const payload = { iss: issuer, sub: 'user-1', client_id: 'client-1', scope: 'mcp', iat: now, exp: now + 300, ...claims };
      return sign(JSON.parse(JSON.stringify(payload)) as object, key);
    },
    rotate() {
      const key = strayKey();
      keys.push(key);
      return key;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sign(payload: object, { kid, privateKey }: SigningKey): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const input = `${encode({ alg: 'RS256', typ: 'at+jwt', kid })}.${encode(payload)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
}
