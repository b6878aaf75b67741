/**
 * Servers reused across stateless requests. Building the full server (six tools, resources, a
 * prompt) cost more CPU than answering the request it was built for; now a server that finished
 * its exchange with nothing of it left behind serves the next request of its era instead.
 *
 * What an exchange can leave on an SDK server (2.4): the log level of `logging/setLevel`; the
 * client's identity and protocol version from `initialize`; a 2025-era `resources/subscribe`; a
 * handler still running after its client went away, which could write into the next exchange. So
 * a server goes back to the pool only if every message it received was a request of a method that
 * writes nothing on the server (`REUSABLE_METHODS`), and it had answered all of them when its
 * transport closed. Any other server is left to the garbage collector, as every server was before.
 * Whatever a request brings (its `authInfo`, `_meta`, progress token, request state) reaches the
 * handlers through that request's context, never through the server.
 */
import type { JSONRPCMessage, McpServerFactory, RequestId, Transport, TransportSendOptions } from '@modelcontextprotocol/server';

import { ParamsCheckingMcpServer } from './params-check';
import type { Era } from './server';

/** Reads, and tool calls: this project's tools keep nothing on their server (see `ServerExtension`). */
const REUSABLE_METHODS = new Set([
  'ping',
  'server/discover',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'completion/complete',
]);

/**
 * Idle servers kept per era. The pool grows to the number of requests served at once and no
 * further than this, so a burst of 1,000 concurrent requests leaves at most 32 servers behind.
 */
const MAX_IDLE_SERVERS = 32;

/** A server that knows whether its last exchange left anything on it. */
export class ReusableMcpServer extends ParamsCheckingMcpServer {
  /** The requests of this exchange still unanswered; undefined once it received anything that stays. */
  private unanswered: Set<RequestId> | undefined;

  override async connect(transport: Transport): Promise<void> {
    const unanswered = new Set<RequestId>();
    this.unanswered = unanswered;
    await super.connect(transport);
    const receive = transport.onmessage;
    transport.onmessage = (message, extra) => {
      if ('method' in message && 'id' in message && REUSABLE_METHODS.has(message.method)) unanswered.add(message.id);
      else this.unanswered = undefined;
      receive?.(message, extra);
    };
    const send = transport.send.bind(transport);
    transport.send = (message: JSONRPCMessage, options?: TransportSendOptions) => {
      if ('id' in message && ('result' in message || 'error' in message)) unanswered.delete(message.id!);
      return send(message, options);
    };
  }

  /** True when the exchange that just closed received only reusable requests and answered them all. */
  get clean(): boolean {
    return this.unanswered?.size === 0;
  }
}

/**
 * A factory for `createMcpHandler` that hands out idle servers before it builds new ones. A server
 * comes back when its transport closes (the SDK closes it once the answer is delivered), if clean.
 * The SDK's 2025-era leg leaves a listener on the request's `signal` that closes the server, so a
 * request's signal must not abort once its answer is out: `toNodeHandler` aborts only while the
 * answer is still being written.
 */
export function reuseServers(build: (era: Era) => ReusableMcpServer): McpServerFactory {
  const idle: Record<Era, ReusableMcpServer[]> = { legacy: [], modern: [] };
  return ({ era }) => {
    const server = idle[era].pop() ?? build(era);
    // Not called for a server the SDK never connects (a refused request, a listen probe): it is dropped.
    // The rest of the exchange's teardown runs before another request can arrive and take the server.
    server.server.onclose = () => {
      if (server.clean && idle[era].length < MAX_IDLE_SERVERS) idle[era].push(server);
    };
    return server;
  };
}
