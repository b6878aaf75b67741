/**
 * Rebuilds a session's transport on an instance that never saw it, through the public protocol: a
 * fresh transport whose id generator returns the stored id is fed the stored `initialize`, then
 * `notifications/initialized`, then the persisted settings as the requests that made them. The
 * server ends up in the state the client left it in, and the client notices nothing.
 */
import type { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { sessionTag } from '@mcp-on-aws/shared';

import type { StoredSession } from './registry';
import { postToTransport } from './sdk-internals';

const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

export async function replayHandshake(transport: NodeStreamableHTTPServerTransport, session: StoredSession): Promise<void> {
  const post = (message: JSONRPCMessage, headers: Record<string, string>) =>
    postToTransport(transport, message, headers).catch((error: Error) => {
      throw new Error(`rehydrating ${sessionTag(session.id)}: ${error.message}`, { cause: error });
    });

  const answer = await post(session.initialize, base);
  const version = /"protocolVersion":"([^"]+)"/.exec(answer)?.[1];
  if (!version) throw new Error(`rehydrating ${sessionTag(session.id)}: no protocol version in ${answer}`);
  const headers = { ...base, 'mcp-session-id': session.id, 'mcp-protocol-version': version };
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  // String ids cannot collide with the client's numeric ones, and these answers go nowhere.
  if (session.logLevel) await post({ jsonrpc: '2.0', id: 'rehydrate-level', method: 'logging/setLevel', params: { level: session.logLevel } }, headers);
  for (const [i, uri] of session.subscriptions.entries()) {
    await post({ jsonrpc: '2.0', id: `rehydrate-subscribe-${i}`, method: 'resources/subscribe', params: { uri } }, headers);
  }
}
