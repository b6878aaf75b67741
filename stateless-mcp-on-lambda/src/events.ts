/**
 * An API Gateway event, read into what the app serves: a `Request` with the event's method, URL and
 * headers, and the body's bytes beside it, never inside it. The app parses a JSON body from those
 * bytes and hands the SDK the parsed message, so a body is never copied into a web stream and read
 * back out of it (a seventh of a 2026-era call's CPU went there: BENCHMARKS.md).
 *
 * API Gateway never sends a malformed event, but a test console, a misrouted trigger or a hand-made
 * `aws lambda invoke` can: that gets a typed refusal, and its 400 (./main), not an exception.
 */

// The methods a REST API's `ANY` accepts.
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// What `Headers` refuses in a value.
const FORBIDDEN_IN_VALUE = /[\r\n\0]/;

export type ReadEvent = { ok: true; request: Request; body?: Uint8Array; requestContext: Record<string, unknown> } | { ok: false; message: string };

type Event = Record<string, unknown> & { requestContext: Record<string, unknown> };

/** Reads REST API (1.0), HTTP API and Function URL (2.0) and ALB events, as hono/aws-lambda reads them. */
export function readEvent(event: unknown): ReadEvent {
  const problem = checkEvent(event);
  if (problem) return fail(problem);
  const checked = event as Event;
  const v2 = isRecord(checked.requestContext.http);
  const path = (v2 ? checked.rawPath : checked.path) as string;
  const query = v2 ? (checked.rawQueryString as string | undefined) : queryString(checked);
  const url = `https://${domainOf(checked)}${path}${query ? `?${query}` : ''}`;
  const method = (v2 ? (checked.requestContext.http as Record<string, unknown>).method : checked.httpMethod) as string;
  const body = typeof checked.body === 'string' && checked.body !== '' ? Buffer.from(checked.body, checked.isBase64Encoded === true ? 'base64' : 'utf8') : undefined;
  try {
    return { ok: true, request: new Request(url, { method, headers: headersOf(checked, v2) }), ...(body && { body }), requestContext: checked.requestContext };
  } catch (error) {
    return fail(`the event does not make a request (${(error as Error).message})`);
  }
}

/** What would keep the event from converting to a `Request`, if anything. */
function checkEvent(event: unknown): string | undefined {
  if (!isRecord(event)) return 'the event is not an object';
  const context = event.requestContext;
  if (!isRecord(context)) return 'the event has no requestContext';
  const v2 = isRecord(context.http);
  const method = v2 ? (context.http as Record<string, unknown>).method : event.httpMethod;
  const path = v2 ? event.rawPath : event.path;
  if (typeof method !== 'string' || !METHODS.has(method)) return `unsupported HTTP method ${JSON.stringify(method)}`;
  if (typeof path !== 'string' || !path.startsWith('/')) return 'the event has no path';
  if (event.body !== undefined && event.body !== null && typeof event.body !== 'string') return 'the body is not a string';
  if (event.isBase64Encoded === true && typeof event.body === 'string' && !BASE64.test(event.body)) return 'isBase64Encoded is set but the body is not base64';
  for (const field of ['headers', 'multiValueHeaders'] as const) {
    const headers = event[field];
    if (headers === undefined || headers === null) continue;
    if (!isRecord(headers)) return `${field} is not an object`;
    for (const [name, value] of Object.entries(headers)) {
      if (!TOKEN.test(name)) return `invalid header name ${JSON.stringify(name)}`;
      const values = field === 'headers' ? [value] : value;
      if (!Array.isArray(values) || !values.every((v) => v === undefined || v === null || (typeof v === 'string' && !FORBIDDEN_IN_VALUE.test(v)))) return `invalid value for header ${name}`;
    }
  }
  if (!URL.canParse(`https://${domainOf(event as Event) ?? ''}${path}`)) return 'the domain name and path do not make a URL';
  return undefined;
}

// The API's domain name, or the Host the client sent.
function domainOf(event: Event): string | undefined {
  if (typeof event.requestContext.domainName === 'string') return event.requestContext.domainName;
  const host = (event.headers as Record<string, unknown> | undefined)?.host ?? (event.multiValueHeaders as Record<string, unknown[]> | undefined)?.host?.[0];
  return typeof host === 'string' ? host : undefined;
}

/**
 * Payload 1.0 and ALB: every value of a repeated header (`multiValueHeaders`), then what only
 * `headers` has. Payload 2.0: `headers`, already joined with commas, and the cookies from their own
 * array. A value with non-ASCII characters is percent-encoded, as hono does: `Headers` refuses it.
 */
function headersOf(event: Event, v2: boolean): Headers {
  const headers = new Headers();
  if (v2 && Array.isArray(event.cookies)) headers.set('cookie', event.cookies.join('; '));
  for (const [name, values] of Object.entries((event.multiValueHeaders ?? {}) as Record<string, (string | null)[]>)) {
    for (const value of values ?? []) if (typeof value === 'string') headers.append(name, ascii(value));
  }
  for (const [name, value] of Object.entries((event.headers ?? {}) as Record<string, string | null>)) {
    if (value && !headers.has(name)) headers.set(name, ascii(value));
  }
  return headers;
}

/** Payload 1.0 decodes the query string, so it is encoded again; ALB passes it on as the client sent it. */
function queryString(event: Event): string {
  const encode = 'elb' in event.requestContext ? (s: string) => s : encodeURIComponent;
  const multi = event.multiValueQueryStringParameters as Record<string, string[] | null> | null | undefined;
  const single = event.queryStringParameters as Record<string, string | null> | null | undefined;
  const pairs = multi ? Object.entries(multi).flatMap(([key, values]) => (values ?? []).map((value) => [key, value])) : Object.entries(single ?? {}).map(([key, value]) => [key, value ?? '']);
  return pairs.map(([key, value]) => `${encode(key!)}=${encode(value!)}`).join('&');
}

function ascii(value: string): string {
  return /[^\x00-\x7F]/.test(value) ? encodeURIComponent(value) : value;
}

function fail(message: string): ReadEvent {
  return { ok: false, message: `Bad event: ${message}` };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
