import { AsyncLocalStorage } from 'node:async_hooks';
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
}

const scopes = new AsyncLocalStorage<RequestScope>();

/**
 * Runs the MCP handler in `scope`, expecting the JSON-RPC request in `body`, so the transport seam
 * finds the scope whatever framework serves the request. Entered after the body is read: a stream's
 * events would not carry the scope across. With neither metrics nor tracing on, the handler runs
 * unobserved, and the process never pays for an `AsyncLocalStorage`.
 */
export function inRequestScope<T>(scope: RequestScope, body: unknown, metrics: MetricsConfig, handler: () => T): T {
  if (!metrics.emf && !tracingEnabled()) return handler();
  scope.expects = expectedRequest(body);
  return scopes.run(scope, handler);
}

export function currentRequestScope(): RequestScope | undefined {
  return scopes.getStore();
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
