/**
 * A local API Gateway: a plain Node HTTP server on loopback that turns each request into the
 * REST API's Lambda proxy event (payload 1.0) and invokes the same handler Lambda runs. It
 * mirrors what the deployed API does at its edge: the stage in the URL, `ANY /mcp` as the only
 * resource, the 29 s integration timeout, and base64 answers decoded before they reach the client.
 * It is not API Gateway: no throttling, no access log, no 10 MB payload limit.
 *
 * `restApiEvent` is the one builder of that event: the emulator feeds it an incoming request, the
 * Lambda sample's tests and benchmark feed it plain fields.
 *
 *   npm start -w stateless-mcp-on-lambda     # PORT=3100 by default; HOST=127.0.0.1
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { jsonLogger } from '@mcp-on-aws/shared';

import type { LambdaResult } from '../stateless-mcp-on-lambda/src/events';

/** What the emulator invokes: the Lambda sample's `handler`, or one a test builds. */
export type LambdaHandler = (event: unknown, context?: unknown) => Promise<LambdaResult>;

export interface LocalApiOptions {
  handler: LambdaHandler;
  port?: number;
  host?: string;
  /** The stage name, the first segment of every URL, as on `execute-api`. */
  stage?: string;
  /** The API's resources; anything else gets API Gateway's 403. */
  resources?: string[];
  /** Content types API Gateway passes base64-encoded (the REST API's `binaryMediaTypes`). */
  binaryMediaTypes?: string[];
  /** API Gateway's integration timeout. */
  timeoutMs?: number;
}

export interface LocalApi {
  server: Server;
  /** The stage's base URL: the MCP endpoint is `${url}/mcp`. */
  url: string;
  close(): Promise<void>;
}

export async function startLocalApi({ handler, port = 0, host = '127.0.0.1', stage = 'local', resources = ['/mcp'], binaryMediaTypes = [], timeoutMs = 29_000 }: LocalApiOptions): Promise<LocalApi> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname.startsWith(`/${stage}/`) ? url.pathname.slice(stage.length + 1) : undefined;
    if (!path || !resources.includes(path)) {
      return void res.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"Missing Authentication Token"}');
    }
    const requestId = randomUUID();
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      return void res.destroy(); // the client went away mid-body
    }
    const result = await invoke(handler, eventOf(req, url, path, stage, requestId, body, binaryMediaTypes), requestId, timeoutMs);
    res.writeHead(result.statusCode, { ...flatten(result), 'x-amzn-requestid': requestId });
    res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
  });
  server.listen(port, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port: bound } = server.address() as AddressInfo;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections());
  return { server, url: `http://${host}:${bound}/${stage}`, close };
}

/** What a REST API request carries into the proxy event. */
export interface RestApiRequest {
  method?: string;
  /** The resource path, without the stage. */
  path?: string;
  stage?: string;
  /** In the client's case; a header sent more than once is an array. */
  headers?: Record<string, string | string[]>;
  query?: Record<string, string[]>;
  body?: string | null;
  base64?: boolean;
  sourceIp?: string;
  protocol?: string;
  requestId?: string;
  /** The API's id; by default the first label of the Host, as on `<apiId>.execute-api.<region>.amazonaws.com`. */
  apiId?: string;
  time?: Date;
}

/**
 * The REST API proxy event (payload 1.0), field for field as AWS documents it: the client's header
 * case, each header's last value in `headers` and all of them in `multiValueHeaders`, and the stage
 * in `requestContext.path` but not in `path`. The defaults are AWS's documented example values.
 */
export function restApiEvent({
  method = 'POST',
  path = '/mcp',
  stage = 'prod',
  headers = {},
  query,
  body = null,
  base64 = false,
  sourceIp = '198.51.100.7',
  protocol = 'HTTP/1.1',
  requestId = 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  apiId,
  time = new Date(1795461317135),
}: RestApiRequest = {}) {
  const multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, ([] as string[]).concat(value)]));
  const single = lastValues(multiValueHeaders);
  const valueOf = (name: string) => Object.entries(single).find(([key]) => key.toLowerCase() === name)?.[1];
  const domainName = valueOf('host') ?? 'localhost';
  const domainPrefix = domainName.split('.')[0]!;
  return {
    resource: path,
    path,
    httpMethod: method,
    headers: single,
    multiValueHeaders,
    queryStringParameters: query ? lastValues(query) : null,
    multiValueQueryStringParameters: query ?? null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: apiId ?? domainPrefix,
      domainName,
      domainPrefix,
      extendedRequestId: requestId,
      httpMethod: method,
      identity: { accessKey: null, accountId: null, caller: null, cognitoIdentityId: null, cognitoIdentityPoolId: null, principalOrgId: null, sourceIp, user: null, userAgent: valueOf('user-agent') ?? null, userArn: null },
      path: `/${stage}${path}`,
      protocol,
      requestId,
      requestTime: clfTime(time),
      requestTimeEpoch: time.getTime(),
      resourceId: 'y0ne18',
      resourcePath: path,
      stage,
    },
    body,
    isBase64Encoded: base64,
  };
}

/** The event for a request the emulator received. */
function eventOf(req: IncomingMessage, url: URL, path: string, stage: string, requestId: string, body: Buffer, binaryMediaTypes: string[]) {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) (headers[req.rawHeaders[i]!] ??= []).push(req.rawHeaders[i + 1]!);
  const query: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) (query[key] ??= []).push(value);
  const contentType = req.headers['content-type']?.split(';')[0]?.trim() ?? '';
  const binary = body.length > 0 && (binaryMediaTypes.includes(contentType) || binaryMediaTypes.includes('*/*'));
  return restApiEvent({
    method: req.method ?? 'GET',
    path,
    stage,
    headers,
    query: url.search ? query : undefined,
    body: body.length === 0 ? null : binary ? body.toString('base64') : body.toString('utf8'),
    base64: binary,
    sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    protocol: `HTTP/${req.httpVersion}`,
    requestId,
    apiId: 'local',
    time: new Date(),
  });
}

/** API Gateway's `requestTime`: the Common Log Format date, e.g. `23/Nov/2026:19:15:17 +0000`. */
function clfTime(time: Date): string {
  const [, day, month, year, clock] = time.toUTCString().match(/^\w+, (\d+) (\w+) (\d+) (\S+)/)!;
  return `${day!.padStart(2, '0')}/${month}/${year}:${clock} +0000`;
}

/** What API Gateway answers when the function throws or runs past the integration timeout. */
async function invoke(handler: LambdaHandler, event: unknown, requestId: string, timeoutMs: number): Promise<LambdaResult> {
  const context = { awsRequestId: requestId, functionName: 'local', getRemainingTimeInMillis: () => timeoutMs };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<LambdaResult>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, gatewayError(504, 'Endpoint request timed out'));
  });
  try {
    return await Promise.race([handler(event, context), timeout]);
  } catch {
    return gatewayError(502, 'Internal server error');
  } finally {
    clearTimeout(timer);
  }
}

function gatewayError(statusCode: number, message: string): LambdaResult {
  return { statusCode, body: JSON.stringify({ message }), isBase64Encoded: false, headers: { 'content-type': 'application/json' } };
}

function flatten({ headers = {}, multiValueHeaders = {} }: LambdaResult): Record<string, string | string[]> {
  return { ...headers, ...multiValueHeaders };
}

function lastValues(multi: Record<string, string[]>): Record<string, string> {
  return Object.fromEntries(Object.entries(multi).map(([key, values]) => [key, values[values.length - 1]!]));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Runs the emulator as a process in front of `handler`: PORT (3100) and HOST (loopback, so a laptop
 * run is not exposed; a container sets 0.0.0.0), the `listening` line runners wait for, and a clean
 * exit on SIGINT or SIGTERM.
 */
export async function runLocalApi(handler: LambdaHandler): Promise<void> {
  const api = await startLocalApi({ handler, port: Number(process.env.PORT ?? 3100), host: process.env.HOST ?? '127.0.0.1' });
  jsonLogger({ msg: 'listening', url: api.url, endpoint: `${api.url}/mcp` });
  const stop = () => void api.close().then(() => process.exit(0));
  process.once('SIGINT', stop).once('SIGTERM', stop);
}

if (require.main === module) {
  // The one place the emulator names the Lambda sample's handler module.
  void import('../stateless-mcp-on-lambda/src/main').then(({ handler }) => runLocalApi(handler));
}
