import type { Response } from 'express';

/** JSON-RPC error codes used at the HTTP boundary, before any MCP server sees the request. */
export const JsonRpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InternalError: -32603,
  /** Server-defined: forbidden, unsupported, overloaded. */
  ServerError: -32000,
  /** The MCP convention for an unknown or expired session. */
  SessionNotFound: -32001,
  /** A missing, invalid or insufficient access token (401, 403), with the `WWW-Authenticate` challenge beside it. */
  Unauthorized: -32001,
} as const;

export function jsonRpcErrorBody(code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
}

export function sendJsonRpcError(res: Response, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.status(status).set({ 'content-type': 'application/json', ...headers }).send(jsonRpcErrorBody(code, message));
}
