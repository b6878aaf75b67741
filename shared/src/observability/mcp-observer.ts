/**
 * The transport seam where every MCP request passes, in every sample and both eras: the time from
 * a request's arrival to its answer, the answer's outcome, and (with tracing on) a SERVER span per
 * the OTel MCP conventions. Only the request an HTTP request's scope expects is observed (its id
 * and method match the body), so a notification, a response, or a rehydration's replayed handshake
 * counts for nothing.
 */
import { PROTOCOL_VERSION_META_KEY, ProtocolErrorCode, type JSONRPCMessage, type McpServer, type Transport } from '@modelcontextprotocol/server';
import type { Span } from '@opentelemetry/api';

import { sessionTag } from '../http/request-log';
import { hasRegisteredTool } from '../shared-definitions';
import { scopeOfRequest, type RequestScope } from './request-scope';
import { endMcpSpan, startMcpSpan, tracingEnabled } from './tracing';

interface Pending {
  scope: RequestScope;
  started: number;
  method: string;
  tool?: string;
  span?: Span;
}

/**
 * Wraps `transport`'s `onmessage` and `send` (already wired to `server` by `connect`) to observe the
 * scope's request, found from the HTTP request the message came with (`extra.request`).
 */
export function observeRequests(server: McpServer, transport: Transport): void {
  const pending = new Map<string | number, Pending>();
  const dispatch = transport.onmessage;
  transport.onmessage = (message, extra) => {
    const scope = scopeOfRequest(extra?.request);
    if (scope?.expects && 'method' in message && 'id' in message && message.id === scope.expects.id && message.method === scope.expects.method) {
      const tool = message.method === 'tools/call' ? toolOf(server, message.params) : undefined;
      const observed: Pending = { scope, started: performance.now(), method: message.method, tool };
      if (tracingEnabled()) observed.span = span(message, tool, scope, transport.sessionId);
      pending.set(message.id, observed);
    }
    return dispatch?.(message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    if ('id' in message && message.id !== undefined && ('result' in message || 'error' in message)) {
      const observed = pending.get(message.id);
      if (observed) {
        pending.delete(message.id);
        answered(observed, message);
      }
    }
    return send(message, options);
  };
}

function answered({ scope, started, method, tool, span }: Pending, message: JSONRPCMessage): void {
  const error = 'error' in message ? message.error : undefined;
  const toolFailed = !error && 'result' in message && (message.result as { isError?: unknown }).isError === true;
  const errorType = error ? String(error.code) : toolFailed ? 'tool_error' : undefined;
  // A method the server does not offer is the client's string: it must not become a dimension.
  const known = error?.code === ProtocolErrorCode.MethodNotFound ? 'other' : method;
  scope.mcp = { method: known, tool, errorType, latencyMs: performance.now() - started, traceId: span?.spanContext().traceId };
  if (span) endMcpSpan(span, errorType, error?.message);
}

function span(message: JSONRPCMessage & { method: string; id: string | number }, tool: string | undefined, scope: RequestScope, sessionId: string | undefined): Span {
  const params = (message as { params?: { _meta?: Record<string, unknown> } }).params;
  const attributes: Record<string, string> = { 'mcp.method.name': message.method, 'jsonrpc.request.id': String(message.id) };
  if (tool !== undefined) Object.assign(attributes, { 'gen_ai.tool.name': tool, 'gen_ai.operation.name': 'execute_tool' });
  const version = params?._meta?.[PROTOCOL_VERSION_META_KEY] ?? scope.protocolVersion;
  if (typeof version === 'string') attributes['mcp.protocol.version'] = version;
  // A session id is a bearer credential: the span carries the log's 12-hex tag of it.
  if (sessionId !== undefined) attributes['mcp.session.id'] = sessionTag(sessionId)!;
  return startMcpSpan(tool === undefined ? message.method : `${message.method} ${tool}`, attributes, params?._meta, scope.traceHeaders);
}

/** The called tool's name if this server registered it, else `other`: a client's string never becomes a dimension. */
function toolOf(server: McpServer, params: unknown): string {
  const name = (params as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && hasRegisteredTool(server, name) ? name : 'other';
}
