/** The resource server (./resource-server) as Express middleware, for `createMcpApp`. */
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { IncomingHttpHeaders } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';

import type { Config } from '../config';
import { hostAndOriginProblem } from '../http/guards';
import { JsonRpcCode, sendJsonRpcError } from '../http/json-rpc-error';
import type { ResourceServer } from './resource-server';

/**
 * Refuses a request without a valid token for this resource, or sets `req.auth`: the name the SDK's
 * own Express `requireBearerAuth` uses, and the one its Node transports pass to the handlers as
 * `ctx.http.authInfo`.
 */
export function bearerAuth(server: ResourceServer): RequestHandler {
  return (req, res, next) => {
    server.authenticate(req.headers.authorization, searchOf(req), { host: req.headers.host }).then((result) => {
      if (!result.ok) return sendJsonRpcError(res, result.refusal.status, result.refusal.code, result.refusal.message, result.refusal.headers);
      (req as Request & { auth?: AuthInfo }).auth = result.auth;
      next();
    }, next);
  };
}

/** Serves the PRM without a token. */
export function protectedResourceMetadata(server: ResourceServer, config: Pick<Config, 'allowedHosts' | 'allowedOrigins'>): RequestHandler {
  const problem = hostAndOriginProblem(config);
  return (req, res, next) => {
    // Host only: browsers on any origin may read the PRM (the SDK answers with CORS `*`).
    const message = problem(req.headers.host, undefined);
    if (message) return sendJsonRpcError(res, 403, JsonRpcCode.ServerError, message);
    sendResponse(res, server.metadataResponse(req.method, webHeaders(req.headers), { host: req.headers.host })).catch(next);
  };
}

function searchOf(req: Request): string {
  const query = req.originalUrl.indexOf('?');
  return query === -1 ? '' : req.originalUrl.slice(query);
}

function webHeaders(headers: IncomingHttpHeaders): Headers {
  return new Headers(Object.entries(headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])));
}

async function sendResponse(res: Response, response: globalThis.Response): Promise<void> {
  res.status(response.status);
  response.headers.forEach((value, name) => res.setHeader(name, value));
  res.end(Buffer.from(await response.arrayBuffer()));
}
