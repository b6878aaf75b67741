/**
 * Every reach into the MCP SDK's internals, in one place. The SDK has no way to adopt a known
 * session id in a new transport (typescript-sdk#1658, #1882), nor to hear what a transport sends
 * before it goes out. With those, this module would go: rehydration would be a constructor option
 * plus the stored settings, and storing before sending a transport hook. Checked against
 * `@modelcontextprotocol/node` 2.1 and `@modelcontextprotocol/server` 2.4.
 */
import type { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { JSONRPCMessage, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';

/** The stream id the SDK gives every session's standalone GET stream (`_standaloneSseStreamId`). */
export const GET_STREAM = '_GET_stream';

type SendOptions = Parameters<NodeStreamableHTTPServerTransport['send']>[1];
type WebTransport = Pick<WebStandardStreamableHTTPServerTransport, 'handleRequest'> & { _streamMapping: Map<string, unknown> };

// The Node transport wraps a web-standard one (`_webStandardTransport`); feeding that one directly needs no fake sockets.
const web = (transport: NodeStreamableHTTPServerTransport) => (transport as unknown as { _webStandardTransport: WebTransport })._webStandardTransport;

/** POSTs a message to the transport as if a client had sent it, and returns the answer's body; throws on an HTTP error. */
export async function postToTransport(transport: NodeStreamableHTTPServerTransport, message: JSONRPCMessage, headers: Record<string, string>): Promise<string> {
  const request = new Request('http://rehydrate.invalid/mcp', { method: 'POST', headers, body: JSON.stringify(message) });
  const response = await web(transport).handleRequest(request, { parsedBody: message });
  const body = await response.text();
  if (!response.ok) throw new Error(`${response.status} ${body}`);
  return body;
}

/** Whether the session's GET stream is attached to this transport, so a notification sent now reaches the client. */
export const getStreamOpen = (transport: NodeStreamableHTTPServerTransport): boolean => web(transport)._streamMapping.has(GET_STREAM);

/**
 * Replaces the transport's `send` (which the server calls for every message it sends) with
 * `intercept`, which gets the original to call or not.
 */
export function interceptSend(
  transport: NodeStreamableHTTPServerTransport,
  intercept: (message: JSONRPCMessage, options: SendOptions, send: (message: JSONRPCMessage, options: SendOptions) => Promise<void>) => Promise<void>,
): void {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => intercept(message, options, send);
}

/**
 * The SDK attaches a replayed stream in the continuation of `replayEventsAfter`'s promise: a
 * macrotask after that promise settles, the stream is there.
 */
export const afterReplayAttached = (replay: Promise<unknown>): Promise<void> =>
  replay.then(noop, noop).then(() => new Promise<void>((resolve) => setImmediate(resolve)));

const noop = () => {};
