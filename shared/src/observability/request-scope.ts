import { randomUUID } from 'node:crypto';

import type { MetricsConfig } from './metrics';
import { tracingEnabled } from './tracing';

/** What the transport seam learned about the one MCP request an HTTP request carried: what the log line and the metrics report. */
export interface McpOutcome {
  /** The JSON-RPC method if the server knows it, else `other` (never the client's raw string: cardinality). */
  method: string;
  /** `tools/call` only: a registered tool's name, else `other`. */
  tool?: string;
  /** The JSON-RPC error code as a string, or `tool_error` for a `tools/call` result with `isError`. */
  errorType?: string;
  /** Milliseconds from the message's arrival at the transport to its answer. */
  latencyMs: number;
  /** The span's trace id, when a span is recording. */
  traceId?: string;
}

/**
 * One HTTP request as the observability code sees it. The HTTP shell makes one per request; the
 * transport seam (`mcp-observer.ts`) fills `mcp` in for the request whose id and method match the body,
 * so a rehydration's replayed handshake or a second message never passes for the client's request.
 */
export interface RequestScope {
  requestId: string;
  /** `id` and `method` of the JSON-RPC request in the body, when it is one. */
  expects?: { id: string | number; method: string };
  /** The W3C `traceparent`/`tracestate` headers, the span's parent when `_meta` carries none. */
  traceHeaders?: { traceparent?: string; tracestate?: string };
  /** The `MCP-Protocol-Version` header (every request after a 2025-era `initialize`, every 2026-era one). */
  protocolVersion?: string;
  mcp?: McpOutcome;
  /** Its key in `open` while the MCP handler serves it. */
  key?: string;
}

/**
 * The header that leads the transport seam from the web `Request` it sees back to its scope. The
 * shell sets it on every observed request, over any value a client sent; it names an entry in
 * `open`, nothing else. (An `AsyncLocalStorage` would carry the scope without it, but on Node 20
 * and 22 it makes every promise in the process pay: about 10 % of a stateless echo's CPU.)
 */
export const SCOPE_HEADER = 'x-mcp-on-aws-scope';

const open = new Map<string, RequestScope>();
let opened = 0;

/**
 * Opens `scope` to the transport seam for the MCP request in `body`: `stamp` sets the header on the
 * request the MCP handler gets. With neither metrics nor tracing on, nothing is opened and the
 * handler runs unobserved. The shell calls `closeRequestScope` when the answer has ended.
 */
export function openRequestScope(scope: RequestScope, body: unknown, metrics: MetricsConfig, stamp: (name: string, value: string) => void): void {
  if (!metrics.emf && !tracingEnabled()) return;
  scope.expects = expectedRequest(body);
  scope.key = String(++opened);
  open.set(scope.key, scope);
  stamp(SCOPE_HEADER, scope.key);
}

export function closeRequestScope(scope: RequestScope): void {
  if (scope.key !== undefined) open.delete(scope.key);
}

/** The scope of the HTTP request a message arrived with, if it is open. */
export function scopeOfRequest(request: Request | undefined): RequestScope | undefined {
  const key = request?.headers.get(SCOPE_HEADER);
  return key ? open.get(key) : undefined;
}

/** A request's scope, from its headers; `requestId` given on Lambda (`awsRequestId`), else the ALB's trace root or a random id. */
export function requestScope(header: (name: string) => string | undefined, requestId?: string): RequestScope {
  const traceparent = header('traceparent');
  const tracestate = header('tracestate');
  return {
    requestId: requestId ?? albTraceRoot(header('x-amzn-trace-id')) ?? randomUUID(),
    protocolVersion: header('mcp-protocol-version'),
    ...(traceparent !== undefined && { traceHeaders: { traceparent, tracestate } }),
  };
}

function expectedRequest(body: unknown): RequestScope['expects'] {
  const { id, method } = (body ?? {}) as { id?: unknown; method?: unknown };
  return (typeof id === 'string' || typeof id === 'number') && typeof method === 'string' ? { id, method } : undefined;
}

/** `Root=1-67891233-abcdef012345678912345678;...`: the ALB sets it on every request, and X-Ray finds the request by it. */
const ROOT = /(?:^|;)\s*Root=(1-[0-9a-f]{8}-[0-9a-f]{24})(?:;|$)/i;

function albTraceRoot(header: string | undefined): string | undefined {
  return header ? ROOT.exec(header)?.[1] : undefined;
}
