/**
 * Access-token verification: JWTs checked against the issuer's JWKS. The checking itself, and
 * `aws-jwt-verify` with it, is in `./jwks`, loaded with the first token; this module turns a checked
 * token into the SDK's `AuthInfo`.
 */
import type { AuthInfo, OAuthTokenVerifier } from '@modelcontextprotocol/server';
import { OAuthError, OAuthErrorCode } from '@modelcontextprotocol/server';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';

import type { TokenCheck } from './jwks';

/** The authorization server's keys (or its discovery document) could not be fetched: the caller's token is not at fault. */
export class IssuerUnavailableError extends Error {
  override name = 'IssuerUnavailableError';
}

/** One issuer's keys, shared by every verifier of this process: the JWKS is fetched once, lazily, and cached. */
export class IssuerKeys {
  private check?: Promise<TokenCheck>;

  constructor(
    readonly issuer: string,
    private readonly jwksUri?: string,
  ) {}

  tokenCheck(): Promise<TokenCheck> {
    this.check ??= import('./jwks').then(({ issuerTokenCheck }) => issuerTokenCheck(this.issuer, this.jwksUri));
    return this.check;
  }
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
    const checked = await (await this.keys.tokenCheck())(token, this.audience);
    if ('payload' in checked) return authInfoOf(token, checked.payload, this.audience);
    if (checked.problem === 'issuer-unavailable') throw new IssuerUnavailableError(checked.message);
    throw new OAuthError(OAuthErrorCode.InvalidToken, checked.message);
  }
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
