import type { NextFunction, Request, Response } from 'express';

import type { Instance } from '../instance';

/** The first protocol revision that has no sessions and carries its version on every request. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

export type LogLine = Record<string, string | number | boolean | undefined>;
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

/** What one request line is made of, whatever the framework (Express here, Hono on Lambda). */
export interface RequestFacts {
  protocolVersion: unknown;
  /** The parsed JSON body, if any; only its `method` is logged. */
  body: unknown;
  httpMethod: string;
  path: string;
  session: string | undefined;
  status: number;
  /** `performance.now()` when the request arrived. */
  started: number;
}

export function requestLine(instance: Instance, facts: RequestFacts): LogLine {
  return {
    msg: 'request',
    instance: instance.id,
    era: eraOf(facts.protocolVersion),
    method: methodOf(facts.body, facts.httpMethod),
    path: facts.path,
    session: facts.session,
    status: facts.status,
    durationMs: Math.round((performance.now() - facts.started) * 10) / 10,
  };
}

/** One line per request: instance, era, MCP method, session, status, duration. Never the body. */
export function requestLog(instance: Instance, log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.once('close', () => {
      log(
        requestLine(instance, {
          protocolVersion: req.headers['mcp-protocol-version'],
          body: req.body,
          httpMethod: req.method,
          path: req.path,
          session: (res.getHeader('mcp-session-id') as string | undefined) ?? req.headers['mcp-session-id']?.toString(),
          status: res.statusCode,
          started,
        }),
      );
    });
    next();
  };
}
