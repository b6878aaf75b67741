/**
 * The one check hono/aws-lambda leaves to us: is this an HTTP event at all? API Gateway never
 * sends a malformed one, but a test console, a misrouted trigger or a hand-made `aws lambda invoke`
 * can, and hono would then throw before it could answer. A typed result, not an exception.
 */
import { JsonRpcCode, jsonRpcErrorBody } from '@mcp-on-aws/shared';

/** The result shape API Gateway (both payload versions) and Function URLs accept. */
export interface LambdaResult {
  statusCode: number;
  body: string;
  isBase64Encoded: boolean;
  headers?: Record<string, string | string[]>;
  multiValueHeaders?: Record<string, string[]>;
  cookies?: string[];
}

// The methods a REST API's `ANY` accepts.
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

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
      if (!Array.isArray(values) || !values.every((v) => v === undefined || v === null || typeof v === 'string')) return fail(`invalid value for header ${name}`);
    }
  }
  return { ok: true };
}

export function errorResult(statusCode: number, code: number, message: string): LambdaResult {
  return { statusCode, body: jsonRpcErrorBody(code, message), isBase64Encoded: false, headers: { 'content-type': 'application/json' } };
}

/**
 * hono answers an event it cannot turn into a `Request` with plain text ("Invalid request", or
 * "Internal Server Error" when the error is not a `TypeError` of this realm). The app itself never
 * answers text/plain, and that conversion reads nothing but the event, so such an answer is always
 * the event's fault: re-dress it as a 400.
 */
export function asJsonRpc(result: LambdaResult): LambdaResult {
  const contentType = result.headers?.['content-type'] ?? result.multiValueHeaders?.['content-type']?.[0];
  if (typeof contentType !== 'string' || !contentType.startsWith('text/plain')) return result;
  return errorResult(400, JsonRpcCode.InvalidRequest, 'Bad event: it does not convert to an HTTP request');
}

function fail(message: string): Checked {
  return { ok: false, message: `Bad event: ${message}` };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
