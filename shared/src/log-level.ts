/**
 * `logging/setLevel` with a level the SDK does not know. The SDK checks a spec request's params
 * inside its handler wrapper, so a failed check comes back as `-32603` (Internal error) carrying
 * a zod dump. This server answers it `-32602` (Invalid params) with the allowed levels instead,
 * at its transport, before the SDK dispatches it; a valid level goes on to the SDK's own handler,
 * which keeps the level. Only the public `Transport` surface is used (`onmessage`, `send`).
 */
import { McpServer, ProtocolErrorCode, type JSONRPCMessage, type LoggingLevel, type Transport } from '@modelcontextprotocol/server';

const LOGGING_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const satisfies readonly LoggingLevel[];

const isLoggingLevel = (level: unknown): level is LoggingLevel => (LOGGING_LEVELS as readonly unknown[]).includes(level);

/** The 2025-era server: the only era with `logging/setLevel` (2026-07-28 dropped it, and answers `-32601`). */
export class LevelCheckingMcpServer extends McpServer {
  override async connect(transport: Transport): Promise<void> {
    await super.connect(transport);
    const dispatch = transport.onmessage;
    transport.onmessage = (message, extra) => {
      if (!isBadSetLevel(message)) return dispatch?.(message, extra);
      const error = { code: ProtocolErrorCode.InvalidParams, message: `Invalid params: logging/setLevel takes a level of ${LOGGING_LEVELS.join(', ')}` };
      transport.send({ jsonrpc: '2.0', id: message.id, error }, { relatedRequestId: message.id }).catch((e: Error) => transport.onerror?.(e));
    };
  }
}

function isBadSetLevel(message: JSONRPCMessage): message is JSONRPCMessage & { id: string | number } {
  if (!('method' in message) || message.method !== 'logging/setLevel' || !('id' in message)) return false;
  return !isLoggingLevel((message.params as { level?: unknown } | undefined)?.level);
}
