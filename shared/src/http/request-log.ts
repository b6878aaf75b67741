import type { NextFunction, Request, Response } from 'express';

import type { Instance } from '../instance';

/** The first protocol revision that has no sessions and carries its version on every request. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

export type LogLine = Record<string, string | number | boolean | undefined>;
export type Logger = (line: LogLine) => void;

/** One JSON object per line on stdout: what CloudWatch Logs Insights queries best. */
export const jsonLogger: Logger = (line) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);

export function eraOf(req: Request): 'legacy' | 'modern' {
  const version = req.headers['mcp-protocol-version'];
  return typeof version === 'string' && version >= MODERN_PROTOCOL_VERSION ? 'modern' : 'legacy';
}

function methodOf(req: Request): string {
  const body: unknown = req.body;
  if (Array.isArray(body)) return 'batch';
  if (body && typeof body === 'object' && typeof (body as { method?: unknown }).method === 'string') return (body as { method: string }).method;
  return req.method; // GET stream, DELETE session, or a body that did not parse
}

/** One line per request: instance, era, MCP method, session, status, duration. Never the body. */
export function requestLog(instance: Instance, log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.once('close', () => {
      log({
        msg: 'request',
        instance: instance.id,
        era: eraOf(req),
        method: methodOf(req),
        path: req.path,
        session: (res.getHeader('mcp-session-id') as string | undefined) ?? req.headers['mcp-session-id']?.toString(),
        status: res.statusCode,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      });
    });
    next();
  };
}
