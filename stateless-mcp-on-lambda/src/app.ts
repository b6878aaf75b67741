/**
 * The tiny Hono app the Lambda entry serves: the same rules as the shared Express shell
 * (Host/Origin check, body limit, JSON-RPC errors, one log line per request), written for a
 * web-standard `Request`, because Express does not run inside a Lambda handler.
 * Authentication happens here, in the function, not at API Gateway: with `config.auth` the app is
 * the OAuth resource server of `@mcp-on-aws/shared` (the same as on ECS). It checks the bearer token
 * on `/mcp` after the Host check and before reading the body, and serves the Protected Resource
 * Metadata without a token; API Gateway routes those paths here with no authorizer.
 */
import {
  bodyRefusal,
  closeRequestScope,
  duplicateHostRefusal,
  hostAndOriginProblem,
  JsonRpcCode,
  jsonRpcErrorBody,
  methodRefusal,
  openRequestScope,
  PROTECTED_RESOURCE_METADATA_PATHS,
  requestLine,
  requestScope,
  ResourceServer,
  type Arrival,
  type Config,
  type Instance,
  type Logger,
  type Refusal,
  type RequestScope,
} from '@mcp-on-aws/shared';
import type { AuthInfo, McpHttpHandler } from '@modelcontextprotocol/server';
import { Hono, type Context, type MiddlewareHandler } from 'hono';

export interface LambdaAppOptions {
  config: Config;
  instance: Instance;
  mcp: Pick<McpHttpHandler, 'fetch'>;
  log: Logger;
}

/**
 * What the handler hands the app next to the `Request` (./main): the event's request context, the
 * invocation's context, and the body's bytes, which the `Request` does not carry (./events).
 */
type Env = {
  Bindings: {
    requestContext?: { stage?: string; http?: { sourceIp?: string }; identity?: { sourceIp?: string } };
    context?: { awsRequestId?: string };
    body?: Uint8Array;
  };
  Variables: { body: unknown; auth?: AuthInfo; scope: RequestScope };
};

export function createLambdaApp({ config, instance, mcp, log }: LambdaAppOptions): Hono<Env> {
  const app = new Hono<Env>({ getPath: pathWithoutStage });
  const problem = hostAndOriginProblem(config);
  let coldStart = true;

  app.use(async (c, next) => {
    const started = performance.now();
    const awsRequestId = c.env?.context?.awsRequestId;
    const scope = requestScope((name) => c.req.header(name), awsRequestId);
    // Powertools' keys: the line finds its invocation, and X-Ray its trace, by them.
    const lambda = { cold_start: coldStart, function_request_id: awsRequestId, xray_trace_id: process.env._X_AMZN_TRACE_ID };
    coldStart = false;
    c.set('scope', scope);
    await next();
    let logged = false; // once, whether the answer ends or the client goes first
    const logLine = () => {
      if (logged) return;
      logged = true;
      closeRequestScope(scope);
      log(
        requestLine(instance, {
          protocolVersion: c.req.header('mcp-protocol-version'),
          body: c.get('body'),
          httpMethod: c.req.method,
          path: c.req.path,
          session: c.req.header('mcp-session-id'),
          // API Gateway's own view of the peer (REST: identity, HTTP API: http), not a header the client wrote.
          client: c.env?.requestContext?.identity?.sourceIp ?? c.env?.requestContext?.http?.sourceIp,
          userAgent: c.req.header('user-agent'),
          status: c.res.status,
          started,
          scope,
          lambda,
        }, config.metrics),
      );
    };
    const body = c.res.body;
    // A JSON answer is whole when its headers are ready; an SSE answer is still running.
    if (!body || !isEventStream(c.res.headers.get('content-type'))) return logLine();
    c.res = new Response(watched(body, logLine), c.res);
  });

  const resourceServer = config.auth && new ResourceServer(config.auth);
  // The function sees its path without the stage, but the public URLs have it (execute-api).
  const arrival = (c: Context<Env>): Arrival => {
    const stage = c.env?.requestContext?.stage;
    return { host: c.req.header('host'), stagePrefix: stage && stage !== '$default' ? `/${stage}` : '' };
  };

  const guard: MiddlewareHandler<Env> = async (c, next) => {
    // A repeated Host arrives joined with commas (`Headers` joins REST's multiValueHeaders, ./events; HTTP API sends them so).
    const refusal = methodRefusal(c.req.method, 'POST') ?? duplicateHostRefusal(c.req.header('host')?.split(',').length ?? 0);
    if (refusal) return refused(refusal);
    const message = problem(c.req.header('host'), c.req.header('origin'));
    if (message) return jsonRpcError(403, JsonRpcCode.ServerError, message);
    return next();
  };

  const authenticate: MiddlewareHandler<Env> = async (c, next) => {
    if (!resourceServer) return next();
    const result = await resourceServer.authenticate(c.req.header('authorization'), new URL(c.req.url).search, arrival(c));
    if (!result.ok) return refused(result.refusal);
    c.set('auth', result.auth);
    return next();
  };

  const body: MiddlewareHandler<Env> = async (c, next) => {
    const bytes = c.env?.body;
    if (!bytes || !isJson(c.req.header('content-type'))) return next(); // the MCP handler answers 415 (or 400 for no body) itself
    // API Gateway hands the body over as the client sent it, and nothing here inflates it.
    const encoding = c.req.header('content-encoding');
    if (encoding && encoding.toLowerCase() !== 'identity') return jsonRpcError(415, JsonRpcCode.InvalidRequest, `Unsupported Content-Encoding: ${encoding.slice(0, 32)}`);
    if (bytes.byteLength > config.maxBodyBytes) return jsonRpcError(413, JsonRpcCode.InvalidRequest, `Request body larger than ${config.maxBodyBytes} bytes`);
    try {
      c.set('body', JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)));
    } catch {
      return jsonRpcError(400, JsonRpcCode.ParseError, 'Parse error: the body is not valid UTF-8 JSON');
    }
    const refusal = bodyRefusal(c.get('body'), c.req.header('mcp-protocol-version'));
    return refusal ? refused(refusal) : next();
  };

  app.all('/mcp', guard, authenticate, body, (c) => {
    const parsedBody = c.get('body');
    if (isListenRequest(parsedBody)) return listenNotOffered(parsedBody.id);
    const authInfo = c.get('auth');
    openRequestScope(c.get('scope'), parsedBody, config.metrics, (name, value) => c.req.raw.headers.set(name, value));
    return mcp.fetch(c.req.raw, { ...(parsedBody !== undefined && { parsedBody }), ...(authInfo && { authInfo }) });
  });
  if (resourceServer) {
    for (const path of PROTECTED_RESOURCE_METADATA_PATHS) {
      app.all(path, (c) => {
        // Host only: browsers on any origin may read the PRM (the SDK answers with CORS `*`).
        const message = problem(c.req.header('host'), undefined);
        return message ? jsonRpcError(403, JsonRpcCode.ServerError, message) : resourceServer.metadataResponse(c.req.method, c.req.raw.headers, arrival(c));
      });
    }
  }
  app.notFound(() => jsonRpcError(404, JsonRpcCode.InvalidRequest, 'Not found: the MCP endpoint is /mcp'));
  app.onError((err) => {
    log({ msg: 'unhandled error', level: 'error', error: err.name, detail: err.message });
    return jsonRpcError(500, JsonRpcCode.InternalError, 'Internal error');
  });
  return app;
}

export function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(jsonRpcErrorBody(code, message), { status, headers: { 'content-type': 'application/json', ...headers } });
}

function refused({ status, code, message, headers }: Refusal): Response {
  return jsonRpcError(status, code, message, headers);
}

/**
 * A `subscriptions/listen` stream would run in one execution environment and hear only the changes
 * made there, never those of the environments serving the client's other requests; and it would
 * hold an execution, billed, until the function timeout. So this deployment does not offer the
 * method: 404 with -32601, as the 2026-07-28 spec wants for a method a server does not implement.
 * The servers' `server/discover` advertises no list-change or subscription capability here, so a
 * client has no reason to ask.
 */
function isListenRequest(body: unknown): body is { id: string | number } {
  const message = body as { method?: unknown; id?: unknown } | undefined;
  return message?.method === 'subscriptions/listen' && (typeof message.id === 'string' || typeof message.id === 'number');
}

function listenNotOffered(id: string | number): Response {
  const error = { code: JsonRpcCode.MethodNotFound, message: 'Method not found: subscriptions/listen is not offered on Lambda (a listen stream would hear only its own execution environment)' };
  return new Response(JSON.stringify({ jsonrpc: '2.0', id, error }), { status: 404, headers: { 'content-type': 'application/json' } });
}

/**
 * An SSE answer as the handler reads it (./main): `onEnd` runs once, when its last byte is read or
 * when the client goes, which cancels this stream and so the answer, and the tool call behind it. A
 * stream that pulls from the answer's reader, not `pipeThrough` a TransformStream, whose pipe cost a
 * quarter to a third of a 2025-era call's CPU (BENCHMARKS.md).
 */
function watched(body: ReadableStream<Uint8Array>, onEnd: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (!done) return controller.enqueue(value);
      onEnd();
      controller.close();
    },
    cancel(reason) {
      onEnd();
      return reader.cancel(reason);
    },
  });
}

function isEventStream(contentType: string | null): boolean {
  return contentType !== null && /^text\/event-stream\s*(?:;|$)/i.test(contentType);
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType);
}

/**
 * An HTTP API (payload 2.0) on a named stage puts the stage in `rawPath` (`/prod/mcp`); a REST API
 * (payload 1.0) leaves it out of `path`. Strip it, so `/mcp` matches both.
 */
function pathWithoutStage(request: Request, options?: { env?: Env['Bindings'] }): string {
  const path = new URL(request.url).pathname;
  const context = options?.env?.requestContext;
  const stage = context?.http ? context.stage : undefined;
  return stage && stage !== '$default' && path.startsWith(`/${stage}/`) ? path.slice(stage.length + 1) : path;
}
