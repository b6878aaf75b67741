import type { McpServer } from '@modelcontextprotocol/server';
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';

/**
 * The one 2025-era `resources/subscribe` handler of a server. A server serves one session, so
 * this is the session's list of followed resources; tools ask it before they send an update.
 */
export class Subscriptions {
  private readonly followed = new Set<string>();

  constructor(server: McpServer, subscribable: (uri: string) => boolean) {
    server.server.setRequestHandler('resources/subscribe', async ({ params }) => {
      if (!subscribable(params.uri)) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `${params.uri} cannot be subscribed to`);
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
