/**
 * Real-shaped API Gateway events, after the examples in AWS's "Lambda proxy integrations"
 * (REST API, payload 1.0) and "HTTP API Lambda integrations" (payload 2.0) pages: REST keeps the
 * client's header case, duplicates `headers` into `multiValueHeaders`, and leaves the stage out of
 * `path`; HTTP API lowercases headers, joins repeats with commas, puts cookies in their own array
 * and keeps a named stage in `rawPath`.
 */
// First: the runtime's `awslambda` global, which src/main.ts uses as it loads, as on Lambda.
import { invokeToEnd } from '../../../local/lambda-runtime';
import { createLambdaHandler } from '../../src/main';
import { loadConfig, detectInstance, type LogLine, type ServerExtension } from '@mcp-on-aws/shared';

import { restApiEvent, type RestApiRequest } from '../../../local/api-gateway';

export const HOST = 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com';
export const ACCEPT = 'application/json, text/event-stream';

/** What a test says of a request; both event shapes below are built from it. */
export type HttpRequest = Pick<RestApiRequest, 'method' | 'path' | 'stage' | 'headers' | 'query' | 'body' | 'base64'>;

/** A REST API event (the emulator's own builder) for a request to the API's hostname. */
export function restEvent(request: HttpRequest = {}) {
  return restApiEvent({ ...request, headers: { Host: HOST, ...request.headers } });
}

export function httpApiEvent({ method = 'POST', path = '/mcp', headers = {}, query, body = null, base64 = false, stage = '$default' }: HttpRequest = {}, cookies?: string[]) {
  const rawPath = stage === '$default' ? path : `/${stage}${path}`;
  const rawQueryString = query ? Object.entries(query).flatMap(([k, vs]) => vs.map((v) => `${k}=${encodeURIComponent(v)}`)).join('&') : '';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies && { cookies }),
    headers: Object.fromEntries(Object.entries({ host: HOST, ...headers }).map(([k, v]) => [k.toLowerCase(), ([] as string[]).concat(v).join(',')])),
    ...(query && { queryStringParameters: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v.join(',')])) }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      domainName: HOST,
      domainPrefix: 'a1b2c3d4e5',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'node' },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: '$default',
      stage,
      time: '23/Nov/2026:19:15:17 +0000',
      timeEpoch: 1795461317135,
    },
    body,
    isBase64Encoded: base64,
  };
}

/**
 * A handler as the stack configures it (production, the API's hostname), logging into an array,
 * invoked as `InvokeWithResponseStream` does and read to its end as API Gateway reads it.
 */
export function lambdaHandler(env: NodeJS.ProcessEnv = {}, extensions?: ServerExtension[]) {
  const lines: LogLine[] = [];
  // MCP_AUTH=none unless a test sets up authentication (auth.test.ts).
  const config = loadConfig({ NODE_ENV: 'production', MCP_ALLOWED_HOSTS: HOST, MCP_REQUEST_STATE_KEY: Buffer.alloc(32, 7).toString('base64'), MCP_AUTH: 'none', ...env });
  const handler = createLambdaHandler({ config, instance: detectInstance({ AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/23/[$LATEST]0123456789abcdef' }), extensions, log: (line) => void lines.push(line) });
  return Object.assign((event: unknown) => invokeToEnd(handler, event), { lines, streaming: handler });
}

export const json = { 'Content-Type': 'application/json', Accept: ACCEPT };

export const modernMeta = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'events-test', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

export function modernHeaders(method: string, name?: string): Record<string, string> {
  return { ...json, 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': method, ...(name && { 'Mcp-Name': name }) };
}

export function rpc(method: string, params: Record<string, unknown> = {}, id = 1): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params });
}

/** The header of a result, whichever map it is in. */
export function header(result: { headers?: Record<string, string | string[]>; multiValueHeaders?: Record<string, string[]> }, name: string): string | undefined {
  const value = result.headers?.[name] ?? result.multiValueHeaders?.[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
