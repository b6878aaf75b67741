/**
 * The one check hono/aws-lambda leaves to us: is this an HTTP event that converts to a `Request`?
 * API Gateway never sends a malformed one, but a test console, a misrouted trigger or a hand-made
 * `aws lambda invoke` can, and hono's `streamHandle` would then write no status at all. A typed
 * result, not an exception.
 */

// The methods a REST API's `ANY` accepts.
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// What `Headers` refuses in a value.
const FORBIDDEN_IN_VALUE = /[\r\n\0]/;

type Checked = { ok: true } | { ok: false; message: string };

/** Accepts REST API (1.0), HTTP API and Function URL (2.0) and ALB events. */
export function checkEvent(event: unknown): Checked {
  if (!isRecord(event)) return fail('the event is not an object');
  const context = event.requestContext;
  if (!isRecord(context)) return fail('the event has no requestContext');
  const v2 = isRecord(context.http);
  const method = v2 ? (context.http as Record<string, unknown>).method : event.httpMethod;
  const path = v2 ? event.rawPath : event.path;
  if (typeof method !== 'string' || !METHODS.has(method)) return fail(`unsupported HTTP method ${JSON.stringify(method)}`);
  if (typeof path !== 'string' || !path.startsWith('/')) return fail('the event has no path');
  if (event.body !== undefined && event.body !== null && typeof event.body !== 'string') return fail('the body is not a string');
  if (event.isBase64Encoded === true && typeof event.body === 'string' && !BASE64.test(event.body)) return fail('isBase64Encoded is set but the body is not base64');
  for (const field of ['headers', 'multiValueHeaders'] as const) {
    const headers = event[field];
    if (headers === undefined || headers === null) continue;
    if (!isRecord(headers)) return fail(`${field} is not an object`);
    for (const [name, value] of Object.entries(headers)) {
      if (!TOKEN.test(name)) return fail(`invalid header name ${JSON.stringify(name)}`);
      const values = field === 'headers' ? [value] : value;
      if (!Array.isArray(values) || !values.every((v) => v === undefined || v === null || (typeof v === 'string' && !FORBIDDEN_IN_VALUE.test(v)))) return fail(`invalid value for header ${name}`);
    }
  }
  // hono builds the URL from the API's domain name (or Host) and the path.
  const domain = typeof context.domainName === 'string' ? context.domainName : hostOf(event);
  if (!URL.canParse(`https://${domain ?? ''}${path}`)) return fail('the domain name and path do not make a URL');
  return { ok: true };
}

function hostOf(event: Record<string, unknown>): string | undefined {
  const host = (event.headers as Record<string, unknown> | undefined)?.host ?? (event.multiValueHeaders as Record<string, unknown[]> | undefined)?.host?.[0];
  return typeof host === 'string' ? host : undefined;
}

function fail(message: string): Checked {
  return { ok: false, message: `Bad event: ${message}` };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
