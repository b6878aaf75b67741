/**
 * Rebuilds a session's transport on an instance that never saw it. The SDK has no way to adopt a
 * known session id (upstream #1658, #1882), so this goes through the public protocol: a fresh
 * transport whose id generator returns the stored id is fed the stored `initialize`, then
 * `notifications/initialized`, then the persisted settings as the requests that made them. The
 * server ends up in the state the client left it in, and the client notices nothing. The other
 * half of a durable transport is here too: what it sends waits for what it depends on to be stored.
 */
import type { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { EventStore, JSONRPCMessage, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { JsonRpcCode } from '@mcp-on-aws/shared';

import type { DurableSessions } from './dynamo/durable-sessions';
import { GET_STREAM } from './dynamo/event-log';
import { SessionMovedError, type StoredSession } from './dynamo/registry';
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
 * Nothing leaves this instance before what it depends on is stored. A response waits for the
 * session's pending changes to be written (`DurableSessions.flush`), so an acknowledged change
 * survives a SIGKILL; a GET-stream event is stored by the SDK's event store before it is sent.
 * When that write fails (the session moved to another instance, or DynamoDB refused it), the
 * request is answered with an error instead, and `onLost` drops this instance's copy.
 *
 * The SDK also drops a server-initiated notification when no GET stream is open on this
 * transport, without storing it. During a failover that is exactly the moment the stream is
 * reconnecting (possibly to this very task), so store it anyway: the reconnect's
 * `Last-Event-ID` replay then delivers it. A replay first waits for the events already on their
 * way to the table, and events raised while it runs wait until the SDK has attached the
 * replayed stream, so none falls between the replay and the live stream.
 */
export function persistBeforeSending(
  transport: NodeStreamableHTTPServerTransport,
  eventStore: EventStore,
  durable: DurableSessions,
  log: EventLog,
  sessionId: string,
  onLost: (error: Error) => void,
): void {
  let replaying: Promise<void> | undefined;
  const replay = eventStore.replayEventsAfter.bind(eventStore);
  eventStore.replayEventsAfter = (lastEventId, sender) => {
    const run = durable.flush(sessionId).then(() => replay(lastEventId, sender));
    // The SDK attaches the stream in the continuation of this promise; a macrotask later it is there.
    const attached = run.then(noop, noop).then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    replaying = attached;
    void attached.then(() => replaying === attached && (replaying = undefined));
    return run;
  };

  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    const standalone = options?.relatedRequestId === undefined && 'method' in message && !('id' in message);
    if (standalone) {
      for (let waited: Promise<void> | undefined; replaying && replaying !== waited; ) await (waited = replaying);
      if (!inner(transport)._streamMapping.has(GET_STREAM)) return void (await log.append(sessionId, GET_STREAM, message));
    }
    if (!('id' in message) || !('result' in message || 'error' in message)) return send(message, options);
    try {
      await durable.flush(sessionId);
    } catch (error) {
      await send({ jsonrpc: '2.0', id: message.id, error: lostError(error as Error) }, options);
      return onLost(error as Error);
    }
    return send(message, options);
  };
}

const noop = () => {};

function lostError(error: Error): { code: number; message: string } {
  if (error instanceof SessionMovedError) {
    return { code: JsonRpcCode.ServerError, message: 'This session moved to another instance, or ended, while this request ran, so nothing it changed was kept. Send the request again.' };
  }
  return { code: JsonRpcCode.InternalError, message: `The session's state could not be stored (${error.message}); this request may not have taken effect. Send it again.` };
}
