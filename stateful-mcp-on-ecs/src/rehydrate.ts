/**
 * Rebuilds a session's transport on an instance that never saw it. The SDK has no way to adopt a
 * known session id (upstream #1658, #1882), so this goes through the public protocol: a fresh
 * transport whose id generator returns the stored id is fed the stored `initialize`, then
 * `notifications/initialized`, then the persisted settings as the requests that made them. The
 * server ends up in the state the client left it in, and the client notices nothing.
 */
import type { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { JSONRPCMessage, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';

import { GET_STREAM } from './dynamo/event-log';
import type { StoredSession } from './dynamo/registry';
import type { EventLog } from './event-log';

const URL_ = 'http://rehydrate.invalid/mcp';
const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

type Inner = Pick<WebStandardStreamableHTTPServerTransport, 'handleRequest'> & { _streamMapping: Map<string, unknown> };
// The Node transport wraps a web-standard one; feeding that one directly needs no fake sockets.
const inner = (transport: NodeStreamableHTTPServerTransport) => (transport as unknown as { _webStandardTransport: Inner })._webStandardTransport;

export async function replayHandshake(transport: NodeStreamableHTTPServerTransport, session: StoredSession): Promise<void> {
  const web = inner(transport);
  const post = async (message: JSONRPCMessage, headers: Record<string, string>): Promise<string> => {
    const response = await web.handleRequest(new Request(URL_, { method: 'POST', headers, body: JSON.stringify(message) }), { parsedBody: message });
    const body = await response.text();
    if (!response.ok) throw new Error(`rehydrating ${session.id}: ${response.status} ${body}`);
    return body;
  };

  const answer = await post(session.initialize, base);
  const version = /"protocolVersion":"([^"]+)"/.exec(answer)?.[1];
  if (!version) throw new Error(`rehydrating ${session.id}: no protocol version in ${answer}`);
  const headers = { ...base, 'mcp-session-id': session.id, 'mcp-protocol-version': version };
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  // String ids cannot collide with the client's numeric ones, and these answers go nowhere.
  if (session.logLevel) await post({ jsonrpc: '2.0', id: 'rehydrate-level', method: 'logging/setLevel', params: { level: session.logLevel } }, headers);
  for (const [i, uri] of session.subscriptions.entries()) {
    await post({ jsonrpc: '2.0', id: `rehydrate-subscribe-${i}`, method: 'resources/subscribe', params: { uri } }, headers);
  }
}

/**
 * The SDK drops a server-initiated notification when no GET stream is open on this transport,
 * without storing it. During a failover that is exactly the moment the stream is reconnecting
 * (possibly to this very task), so store it anyway: the reconnect's `Last-Event-ID` replay
 * then delivers it.
 */
export function keepEventsWhileDisconnected(transport: NodeStreamableHTTPServerTransport, log: EventLog, sessionId: string): void {
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    const standalone = options?.relatedRequestId === undefined && 'method' in message && !('id' in message);
    if (standalone && !inner(transport)._streamMapping.has(GET_STREAM)) return void (await log.append(sessionId, GET_STREAM, message));
    return send(message, options);
  };
}
