import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';

import { bearerAuth, protectedResourceMetadata } from '../auth/express';
import { PROTECTED_RESOURCE_METADATA_PATHS, ResourceServer } from '../auth/resource-server';
import type { Config } from '../config';
import type { Instance } from '../instance';
import { openRequestScope } from '../observability/request-scope';
import { streamLimits } from './client-limits';
import { hostAndOriginGuard } from './guards';
import { bodyRefusal, duplicateHostRefusal, methodRefusal, type Refusal } from './input-checks';
import { JsonRpcCode, sendJsonRpcError } from './json-rpc-error';
import { jsonLogger, requestLog, scopeOf, type Logger } from './request-log';

export interface McpAppOptions {
  config: Config;
  instance: Instance;
  /** Serves `/mcp` for every verb; the body arrives parsed as `req.body` when it was JSON. */
  mcp: RequestHandler;
  /** The `Allow` header of a 405 for a verb outside GET, POST and DELETE: what this endpoint serves. */
  allow?: string;
  log?: Logger;
}

/**
 * The HTTP shell every Node server here shares: `/health`, a log line per request,
 * Host/Origin checks, a body limit, JSON-RPC errors for anything malformed, and the stream limits.
 * With `config.auth`, an OAuth resource server: a bearer token on `/mcp` (checked after the guard,
 * before the body is read), and its Protected Resource Metadata, which needs no token.
 */
export function createMcpApp({ config, instance, mcp, allow = 'GET, POST, DELETE', log = jsonLogger }: McpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestLog(instance, log, config));

  // Load balancers probe by IP, so the Host check must not apply here.
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', instance: instance.id, version: instance.version });
  });

  const resourceServer = config.auth && new ResourceServer(config.auth);
  if (resourceServer) app.all(PROTECTED_RESOURCE_METADATA_PATHS, protectedResourceMetadata(resourceServer, config));

  app.all(
    '/mcp',
    refuse((req) => methodRefusal(req.method, allow) ?? duplicateHostRefusal(hostCount(req.rawHeaders))),
    hostAndOriginGuard(config),
    ...(resourceServer ? [bearerAuth(resourceServer)] : []),
    express.json({ limit: config.maxBodyBytes, strict: false, type: ['application/json', 'application/*+json'], verify: strictUtf8 }),
    refuse((req) => bodyRefusal(req.body, req.headers['mcp-protocol-version']?.toString())),
    streamLimits(config),
    (req, res, next) => {
      openRequestScope(scopeOf(res), req.body, config.metrics, (name, value) => void (req.headers[name] = value));
      return mcp(req, res, next);
    },
  );

  app.use((_req: Request, res: Response) => sendJsonRpcError(res, 404, JsonRpcCode.InvalidRequest, 'Not found: the MCP endpoint is /mcp'));
  app.use(bodyErrors(config, log));
  return app;
}

interface HttpError extends Error {
  type?: string;
  status?: number;
}

function bodyErrors(config: Config, log: Logger) {
  // Express recognises an error handler by its four parameters.
  return (err: HttpError, _req: Request, res: Response, _next: NextFunction): void => {
    switch (err.type) {
      case 'entity.parse.failed':
        return sendJsonRpcError(res, 400, JsonRpcCode.ParseError, 'Parse error: the body is not valid UTF-8 JSON');
      case 'entity.too.large':
        return sendJsonRpcError(res, 413, JsonRpcCode.InvalidRequest, `Request body larger than ${config.maxBodyBytes} bytes`);
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return sendJsonRpcError(res, 415, JsonRpcCode.InvalidRequest, `Unsupported body encoding: ${err.message}`);
      case 'request.aborted':
        return; // the client went away; there is nobody to answer
    }
    if (err.status && err.status >= 400 && err.status < 500) {
      return sendJsonRpcError(res, err.status, JsonRpcCode.InvalidRequest, err.message);
    }
    log({ msg: 'unhandled error', level: 'error', error: err.name, detail: err.message });
    sendJsonRpcError(res, 500, JsonRpcCode.InternalError, 'Internal error');
  };
}

function refuse(check: (req: Request) => Refusal | undefined): RequestHandler {
  return (req, res, next) => {
    const refusal = check(req);
    if (!refusal) return next();
    sendJsonRpcError(res, refusal.status, refusal.code, refusal.message, refusal.headers);
  };
}

/** Node keeps only the first of repeated `Host` headers in `req.headers`; the raw list has them all. */
function hostCount(rawHeaders: string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === 'host') count++;
  return count;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** body-parser would turn invalid UTF-8 into U+FFFD and parse on; refuse it as a parse error instead. */
function strictUtf8(_req: unknown, _res: unknown, buffer: Buffer, encoding: string): void {
  if (encoding.toLowerCase() !== 'utf-8') return;
  try {
    utf8.decode(buffer);
  } catch {
    throw Object.assign(new Error('invalid UTF-8'), { type: 'entity.parse.failed' });
  }
}
