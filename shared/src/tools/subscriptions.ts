import type { McpServer } from '@modelcontextprotocol/server';
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';

/**
 * How much a session may follow. A rule can accept URIs by pattern (the conformance fixtures take
 * any `test://`), and a durable session stores what it follows on its item, written whole with
 * every change: both bounds keep that item small.
 */
export const SUBSCRIPTION_LIMITS = { perSession: 8, uriChars: 256 } as const;

/**
 * The one 2025-era `resources/subscribe` handler of a server. A server serves one session, so
 * this is the session's list of followed resources; tools ask it before they send an update.
 */
export class Subscriptions {
  private readonly followed = new Set<string>();

  constructor(server: McpServer, subscribable: (uri: string) => boolean) {
    server.server.setRequestHandler('resources/subscribe', async ({ params }) => {
      if (params.uri.length > SUBSCRIPTION_LIMITS.uriChars) throw invalid(`A resource URI to subscribe to is at most ${SUBSCRIPTION_LIMITS.uriChars} characters`);
      if (!subscribable(params.uri)) throw invalid(`${params.uri} cannot be subscribed to`);
      if (!this.followed.has(params.uri) && this.followed.size >= SUBSCRIPTION_LIMITS.perSession) {
        throw invalid(`A session follows at most ${SUBSCRIPTION_LIMITS.perSession} resources; unsubscribe from one first`);
      }
      this.followed.add(params.uri);
      return {};
    });
    server.server.setRequestHandler('resources/unsubscribe', async ({ params }) => {
      this.followed.delete(params.uri);
      return {};
    });
  }

  has(uri: string): boolean {
    return this.followed.has(uri);
  }
}

const invalid = (message: string) => new ProtocolError(ProtocolErrorCode.InvalidParams, message);
