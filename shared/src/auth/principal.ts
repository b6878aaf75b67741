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
