/**
 * A local API Gateway: a plain Node HTTP server on loopback that turns each request into the
 * REST API's Lambda proxy event (payload 1.0) and invokes the same handler Lambda runs. It
 * mirrors what the deployed API does at its edge: the stage in the URL, `ANY /mcp` as the only
 * resource, the 29 s integration timeout, and base64 answers decoded before they reach the client.
 * It is not API Gateway: no throttling, no access log, no 10 MB payload limit.
 *
 *   npx tsx stateless-mcp-on-lambda/src/local.ts     # PORT=3100 by default
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { jsonLogger } from '@mcp-on-aws/shared';

import type { LambdaResult } from './events';
import type { LambdaHandler } from './handler';

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
    const result = await invoke(handler, toEvent(req, url, path, stage, requestId, body, binaryMediaTypes), requestId, timeoutMs);
    res.writeHead(result.statusCode, { ...flatten(result), 'x-amzn-requestid': requestId });
    res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
  });
  server.listen(port, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port: bound } = server.address() as AddressInfo;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections());
  return { server, url: `http://${host}:${bound}/${stage}`, close };
}

/** The REST API proxy event, field for field as AWS documents it. */
function toEvent(req: IncomingMessage, url: URL, path: string, stage: string, requestId: string, body: Buffer, binaryMediaTypes: string[]) {
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) (multiValueHeaders[req.rawHeaders[i]!] ??= []).push(req.rawHeaders[i + 1]!);
  const multiValueQuery: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) (multiValueQuery[key] ??= []).push(value);
  const contentType = req.headers['content-type']?.split(';')[0]?.trim() ?? '';
  const binary = body.length > 0 && (binaryMediaTypes.includes(contentType) || binaryMediaTypes.includes('*/*'));
  const now = new Date();
  const host = req.headers.host ?? 'localhost';
  return {
    resource: path,
    path,
    httpMethod: req.method ?? 'GET',
    headers: lastValues(multiValueHeaders),
    multiValueHeaders,
    queryStringParameters: url.search ? lastValues(multiValueQuery) : null,
    multiValueQueryStringParameters: url.search ? multiValueQuery : null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0],
      extendedRequestId: requestId,
      httpMethod: req.method ?? 'GET',
      identity: { accessKey: null, accountId: null, caller: null, cognitoIdentityId: null, cognitoIdentityPoolId: null, principalOrgId: null, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', user: null, userAgent: req.headers['user-agent'] ?? null, userArn: null },
      path: `/${stage}${path}`,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTime: now.toUTCString(),
      requestTimeEpoch: now.getTime(),
      resourceId: 'local',
      resourcePath: path,
      stage,
    },
    body: body.length === 0 ? null : binary ? body.toString('base64') : body.toString('utf8'),
    isBase64Encoded: binary,
  };
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

if (require.main === module) {
  void import('./handler').then(async ({ handler }) => {
    // HOST defaults to loopback so a laptop run is not exposed; a container sets 0.0.0.0.
    const api = await startLocalApi({ handler, port: Number(process.env.PORT ?? 3100), host: process.env.HOST ?? '127.0.0.1' });
    jsonLogger({ msg: 'listening', url: api.url, endpoint: `${api.url}/mcp` });
    const stop = () => void api.close().then(() => process.exit(0));
    process.once('SIGINT', stop).once('SIGTERM', stop);
  });
}
