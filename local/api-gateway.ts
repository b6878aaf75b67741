/**
 * A local API Gateway: a plain Node HTTP server on loopback that turns each request into the
 * REST API's Lambda proxy event (payload 1.0) and invokes the same handler Lambda runs, the way the
 * deployed `ANY /mcp` integration does in `STREAM` mode: through `./lambda-runtime`'s stand-in for
 * `InvokeWithResponseStream`. It reads the handler's prelude into the status and headers and passes
 * the body on as the handler writes it. It mirrors the API's edge: the stage in the URL, `ANY /mcp`
 * and the well-known PRM paths as the only resources, and the integration timeout. It is not API
 * Gateway: no throttling, no access log, no idle timeout or bandwidth limit.
 *
 * `restApiEvent` is the one builder of that event: the emulator feeds it an incoming request, the
 * Lambda sample's tests and benchmark feed it plain fields.
 *
 *   npm start -w stateless-mcp-on-lambda     # PORT=3100 by default; HOST=127.0.0.1
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { jsonLogger, PROTECTED_RESOURCE_METADATA_PATHS } from '@mcp-on-aws/shared';

import { invokeStreaming, isStreaming, splitPrelude, type Prelude, type StreamingHandler } from './lambda-runtime';

/** What the emulator invokes: the Lambda sample's `handler`, or one a test builds with `awslambda.streamifyResponse`. */
export type LambdaHandler = StreamingHandler;

export interface LocalApiOptions {
  handler: LambdaHandler;
  port?: number;
  host?: string;
  /** The stage name, the first segment of every URL, as on `execute-api`. */
  stage?: string;
  /** The API's resources; anything else gets API Gateway's 403. By default `/mcp` and the OAuth Protected Resource Metadata paths. */
  resources?: string[];
  /** Content types API Gateway passes base64-encoded in the event (the REST API's `binaryMediaTypes`). */
  binaryMediaTypes?: string[];
  /** The integration timeout: the stack's (65 s), past which the response is cut, or a 504 if none started. */
  timeoutMs?: number;
}

export interface LocalApi {
  server: Server;
  /** The stage's base URL: the MCP endpoint is `${url}/mcp`. */
  url: string;
  close(): Promise<void>;
}

export async function startLocalApi({ handler, port = 0, host = '127.0.0.1', stage = 'local', resources = ['/mcp', ...PROTECTED_RESOURCE_METADATA_PATHS], binaryMediaTypes = [], timeoutMs = 65_000 }: LocalApiOptions): Promise<LocalApi> {
  // A buffered handler behind a STREAM integration would answer garbage on AWS; refuse it here.
  if (!isStreaming(handler)) throw new TypeError('the handler is not wrapped in awslambda.streamifyResponse');
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname.startsWith(`/${stage}/`) ? url.pathname.slice(stage.length + 1) : undefined;
    if (!path || !resources.includes(path)) return gatewayError(res, 403, 'Missing Authentication Token');
    const requestId = randomUUID();
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      return void res.destroy(); // the client went away mid-body
    }
    const context = { awsRequestId: requestId, functionName: 'local', getRemainingTimeInMillis: () => timeoutMs };
    const { output, done } = invokeStreaming(handler, eventOf(req, url, path, stage, requestId, body, binaryMediaTypes), context);
    // A client gone mid-stream closes the invocation's response stream, as a closed connection would.
    res.once('close', () => output.destroy());
    const timer = setTimeout(() => (res.headersSent ? res.destroy() : gatewayError(res, 504, 'Endpoint request timed out')), timeoutMs);
    done.catch(() => undefined).finally(() => clearTimeout(timer));
    let answer: Awaited<ReturnType<typeof splitPrelude>>;
    try {
      answer = await splitPrelude(output);
    } catch {
      return void (res.headersSent || res.destroyed ? undefined : gatewayError(res, 502, 'Internal server error')); // no prelude: API Gateway cannot answer
    }
    if (res.destroyed || res.headersSent) return;
    res.writeHead(answer.prelude.statusCode ?? 200, { ...headersOf(answer.prelude), 'x-amzn-requestid': requestId });
    answer.body.pipe(res);
    // A handler that fails mid-stream cuts the connection, as API Gateway does once the status is out.
    done.catch(() => res.destroy());
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

/** API Gateway's own answer, JSON with a `message`, when it has none from the function. */
function gatewayError(res: ServerResponse, statusCode: number, message: string): void {
  res.writeHead(statusCode, { 'content-type': 'application/json' }).end(JSON.stringify({ message }));
}

/** The prelude's headers as a Node response takes them; `cookies` become `set-cookie`. */
function headersOf({ headers = {}, multiValueHeaders = {}, cookies = [] }: Prelude): Record<string, string | string[]> {
  return { ...headers, ...multiValueHeaders, ...(cookies.length > 0 && { 'set-cookie': cookies }) };
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
  // The one place the emulator names the Lambda sample's handler module. It loads after
  // ./lambda-runtime (imported above) has put `awslambda` in place, as on Lambda.
  void import('../stateless-mcp-on-lambda/src/main').then(({ handler }) => runLocalApi(handler));
}
