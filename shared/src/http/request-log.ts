import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import type { NextFunction, Request, Response } from 'express';

import type { Config } from '../config';
import type { Instance } from '../instance';
import { mcpFields, type MetricsConfig } from '../observability/metrics';
import { closeRequestScope, requestScope, type RequestScope } from '../observability/request-scope';

/** The first protocol revision that has no sessions and carries its version on every request. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** Flat, but for the EMF directive (`_aws`) a metrics-carrying line has. */
export type LogLine = Record<string, string | number | boolean | object | undefined>;
export type Logger = (line: LogLine) => void;

/** One JSON object per line on stdout: what CloudWatch Logs Insights queries best. */
export const jsonLogger: Logger = (line) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);

function eraOf(version: unknown): 'legacy' | 'modern' {
  return typeof version === 'string' && version >= MODERN_PROTOCOL_VERSION ? 'modern' : 'legacy';
}

function methodOf(body: unknown, httpMethod: string): string {
  if (Array.isArray(body)) return 'batch';
  if (body && typeof body === 'object' && typeof (body as { method?: unknown }).method === 'string') return (body as { method: string }).method;
  return httpMethod; // GET stream, DELETE session, or a body that did not parse
}

/** Client-supplied text in a log line is cut to this: a 900,000-character method name must not become a 900 KB line. */
export const MAX_LOGGED_CHARS = 64;

function truncated(value: string | undefined): string | undefined {
  return value !== undefined && value.length > MAX_LOGGED_CHARS ? `${value.slice(0, MAX_LOGGED_CHARS)}…` : value;
}

/** A session id is a bearer credential: the log carries 12 hex digits of its SHA-256, enough to follow one session. */
export function sessionTag(sessionId: string | undefined): string | undefined {
  return sessionId === undefined ? undefined : createHash('sha256').update(sessionId).digest('hex').slice(0, 12);
}

/**
 * Each proxy in front appends the address it saw to `X-Forwarded-For`, so with `trustedHops` of
 * them the client is that many entries from the right, and everything left of it is the client's
 * word. Behind CloudFront and the ALB that is two: CloudFront appends the viewer, the ALB appends
 * CloudFront; behind the local balancers, one. The tasks admit only the ALB, so no request skips a
 * hop. With fewer entries than hops, or none (a local run), the left-most address there is wins.
 */
export function clientAddress(forwardedFor: string | undefined, peer: string | undefined, trustedHops = 1): string | undefined {
  const hops = forwardedFor?.split(',').map((hop) => hop.trim()).filter(Boolean) ?? [];
  if (trustedHops === 0) return peer;
  return hops.at(-trustedHops) ?? hops[0] ?? peer;
}

/** `clientAddress` of a Node request: the address the log names and the per-client limits count by. */
export function requestClient(req: IncomingMessage, trustedProxyHops: number): string | undefined {
  return clientAddress(req.headers['x-forwarded-for']?.toString(), req.socket.remoteAddress, trustedProxyHops);
}

/** What one request line is made of, whatever the framework (Express here, Hono on Lambda). */
export interface RequestFacts {
  protocolVersion: unknown;
  /** The parsed JSON body, if any; only its `method` is logged. */
  body: unknown;
  httpMethod: string;
  path: string;
  session: string | undefined;
  /** The client's address as the front door saw it: see `clientAddress`, or API Gateway's `sourceIp`. */
  client: string | undefined;
  userAgent: string | undefined;
  status: number;
  /** `performance.now()` when the request arrived. */
  started: number;
  /** The request id, and what the transport seam learned about the MCP request (`../observability`). */
  scope: RequestScope;
  /** Powertools' Lambda keys (`cold_start`, `function_request_id`, `xray_trace_id`), on Lambda only. */
  lambda?: LogLine;
}

/**
 * The line for one HTTP request; for an MCP request also its method, tool, outcome and latency,
 * and with `MCP_METRICS=emf` the same line is the EMF record of its metrics.
 */
export function requestLine(instance: Instance, facts: RequestFacts, metrics: MetricsConfig): LogLine {
  const { requestId, mcp } = facts.scope;
  return {
    msg: 'request',
    service: metrics.service,
    instance: instance.id,
    requestId,
    ...facts.lambda,
    traceId: mcp?.traceId,
    era: eraOf(facts.protocolVersion),
    method: truncated(methodOf(facts.body, facts.httpMethod)),
    path: truncated(facts.path),
    session: sessionTag(facts.session),
    client: truncated(facts.client),
    userAgent: truncated(facts.userAgent),
    status: facts.status,
    durationMs: Math.round((performance.now() - facts.started) * 10) / 10,
    ...(mcp && mcpFields(mcp, metrics)),
  };
}

/** The scope `requestLog` made for this request, for the MCP route to open (`openRequestScope`). */
export function scopeOf(res: Response): RequestScope {
  return res.locals.scope as RequestScope;
}

/** One line per request: instance, request id, era, MCP method and outcome, session tag, client, status, duration. Never the body. */
export function requestLog(instance: Instance, log: Logger, { trustedProxyHops, metrics }: Pick<Config, 'trustedProxyHops' | 'metrics'>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    const scope = (res.locals.scope = requestScope((name) => req.headers[name]?.toString()));
    res.once('close', () => {
      closeRequestScope(scope);
      log(
        requestLine(instance, {
          protocolVersion: req.headers['mcp-protocol-version'],
          body: req.body,
          httpMethod: req.method,
          path: req.path,
          session: (res.getHeader('mcp-session-id') as string | undefined) ?? req.headers['mcp-session-id']?.toString(),
          client: requestClient(req, trustedProxyHops),
          userAgent: req.headers['user-agent'],
          status: res.statusCode,
          started,
          scope,
        }, metrics),
      );
    });
    next();
  };
}
