import { createHash } from 'node:crypto';

import type { AuthInfo } from '@modelcontextprotocol/server';

/**
 * Who is calling, as the key a stateful session is bound to: `<issuer>|<subject>`. The subject is
 * the token's `sub` (the client id when it has none, see ./verifier), unique only within its issuer.
 * `undefined` when authentication is off.
 */
export function principalOf(auth?: AuthInfo): string | undefined {
  const issuer = auth?.extra?.issuer;
  const subject = subjectOf(auth);
  return typeof issuer === 'string' && subject !== undefined ? `${issuer}|${subject}` : undefined;
}

/** The caller's subject, as `ping` shows it; `undefined` when authentication is off. */
export function subjectOf(auth?: AuthInfo): string | undefined {
  const subject = auth?.extra?.subject;
  return typeof subject === 'string' ? subject : undefined;
}

/**
 * What a stateful session and a signed `requestState` record of their principal: the SHA-256 of
 * `principalOf`, so neither the session table nor a state the client holds shows who it is, and a
 * subject of any length costs the same 43 characters. `undefined` when authentication is off.
 */
export function principalDigest(auth?: AuthInfo): string | undefined {
  const principal = principalOf(auth);
  return principal === undefined ? undefined : createHash('sha256').update(principal).digest('base64url');
}
