/**
 * The stateful server's HTTP app: one `/mcp`, two eras, as in the SDK's `legacy-routing` example.
 * 2025-era requests go to sessions held in this process (`sessions.ts`), 2026-era requests to
 * `createMcpHandler`, per request. The trade-off: a session lives on one instance, so the balancer
 * keeps its client there; the `SessionStore` decides what survives that instance (nothing in
 * memory, everything with `durable/`) and whether another instance can serve it (`durable/`
 * forwards the request to the session's instance).
 */
import { toNodeHandler } from '@modelcontextprotocol/node';
import { isInitializeRequest, isLegacyRequest } from '@modelcontextprotocol/server';
import { createMcpApp, createMcpHandlerWithChanges, createServerFactory, JsonRpcCode, jsonLogger, MetricSink, requestClientKey, sendJsonRpcError, type Config, type Instance, type Logger, type ServerExtension, type ServerParts } from '@mcp-on-aws/shared';
import type { Express, Request, RequestHandler, Response } from 'express';

import { MemorySessionStore } from './memory-session-store';
import { NewSessionLimit } from './new-session-limit';
import type { SessionConfig } from './session-config';
import type { SessionStore } from './session-store';
import { Sessions } from './sessions';
import { askModel } from './tools/ask-model';

export interface StatefulServerOptions {
  config: Config;
  sessionConfig: SessionConfig;
  instance: Instance;
  /** Where sessions keep their state; in this process by default (plain sticky sessions). */
  sessionStore?: SessionStore;
  /** More tools on every server, in both eras; the conformance runner adds its fixtures here. */
  extensions?: ServerExtension[];
  log?: Logger;
  /** The session and store figures, written once a minute with `LiveSessions` (pass the store's own, so they share one); from `config.metrics` by default. */
  metrics?: MetricSink;
}

/** What `runServer` and `serve` take, plus the live sessions (the tests look into them). */
export interface StatefulServer extends ServerParts {
  app: Express;
  sessions: Sessions;
  /** Closes every session's transport and the 2026-era handler's streams, after the drain. */
  onShutdown(): Promise<void>;
}

/** How long a client refused for capacity should wait before it retries `initialize`. */
const RETRY_AFTER_SECONDS = '5';

/**
 * One `/mcp` endpoint, two eras. 2025-era traffic (no `_meta` envelope) lives in sessions
 * pinned to this process, which is why the load balancer must be sticky. 2026-era traffic has
 * no session and is served per request, so any instance answers it.
 */
export function createStatefulServer({ config, sessionConfig, instance, log = jsonLogger, sessionStore = new MemorySessionStore(sessionConfig), extensions = [], metrics = new MetricSink(config.metrics) }: StatefulServerOptions): StatefulServer {
  // One server per session, held for its life: they share the definitions that do not depend on the session.
  const factory = createServerFactory({ instance, config, counter: sessionStore.counter, extensions: [askModel, ...extensions], shareDefinitions: true });
  const sessions = new Sessions(sessionConfig, sessionStore, factory, log, metrics);
  metrics.gauge('LiveSessions', () => sessions.size);
  metrics.start();
  const newSessions = new NewSessionLimit(sessionConfig.newSessionsPerClientPerMinute);
  // 2026-era requests have no session, so their server has no counter tool to offer.
  const modern = createMcpHandlerWithChanges({ instance, config, extensions }, { legacy: 'reject', keepAliveMs: config.sseKeepAliveMs, maxRequestBodySize: config.maxBodyBytes });
  const modernNode = toNodeHandler(modern, { maxRequestBodySize: config.maxBodyBytes });

  const legacy = async (req: Request, res: Response): Promise<void> => {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      if (Sessions.couldBeOurs(sessionId) && (await sessions.route(sessionId, req, res))) return;
      // Unknown: expired, closed, or (without a durable store) held by another instance the balancer did not pick.
      return sendJsonRpcError(res, 404, JsonRpcCode.SessionNotFound, 'Session not found: start a new session with initialize');
    }
    if (req.method === 'POST' && isInitializeRequest(req.body)) {
      if (sessions.full) {
        return sendJsonRpcError(res, 503, JsonRpcCode.ServerError, `Too many sessions on this instance (${sessionConfig.maxSessions}); retry later`, { 'retry-after': RETRY_AFTER_SECONDS });
      }
      // Counted only when a slot is free: a refused initialize holds nothing.
      const wait = newSessions.admit(requestClientKey(req, config.trustedProxyHops));
      if (wait !== undefined) {
        const limit = sessionConfig.newSessionsPerClientPerMinute;
        return sendJsonRpcError(res, 429, JsonRpcCode.ServerError, `Too many new sessions from this client (${limit} a minute); retry later`, { 'retry-after': String(wait) });
      }
      return sessions.start(req, res);
    }
    // createMcpApp already answered any verb other than GET, POST and DELETE with 405.
    sendJsonRpcError(res, 400, JsonRpcCode.ServerError, 'Bad Request: Mcp-Session-Id header is required (only initialize may come without one)');
  };

  const mcp: RequestHandler = async (req, res) => {
    // Only a POST can carry the 2026-era envelope; GET and DELETE are 2025-era session verbs.
    if (req.method === 'POST' && !(await isLegacyRequest(headersOnly(req), req.body ?? {}))) {
      return modernNode(req, res, req.body);
    }
    return legacy(req, res);
  };

  const app = createMcpApp({ config, instance, mcp, log });
  return {
    app,
    sessions,
    onListening: (url) => sessionStore.listening?.(url),
    onShutdown: async () => void (await Promise.all([sessions.closeAll(), modern.close()]), metrics.stop()),
  };
}

/**
 * The SDK's own classifier reads the headers, and the body from `parsedBody`, so a body-less
 * `Request` is enough: it costs about a quarter of a full `toWebRequest` on every POST.
 */
function headersOnly(req: Request): globalThis.Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  return new globalThis.Request('http://mcp.invalid/mcp', { method: 'POST', headers });
}
