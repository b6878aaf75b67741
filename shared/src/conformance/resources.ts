import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import { ResourceTemplate } from '@modelcontextprotocol/server';

import { PNG_1X1 } from './media';

export const WATCHED_URI = 'test://watched-resource';

type SubscribeHandler = (request: unknown, ctx: ServerContext) => Promise<Record<string, unknown>>;

/** Static text and binary resources, a URI template, and a subscribable resource (2025 era). */
export function registerFixtureResources(server: McpServer): void {
  server.registerResource('static-text', 'test://static-text', { description: 'A static text resource', mimeType: 'text/plain' }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
  }));
  server.registerResource('static-binary', 'test://static-binary', { description: 'A static PNG resource', mimeType: 'image/png' }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'image/png', blob: PNG_1X1 }],
  }));
  server.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { description: 'A resource template with parameter substitution', mimeType: 'application/json' },
    (uri, { id }) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) }],
    }),
  );
  server.registerResource('watched-resource', WATCHED_URI, { description: 'A resource clients can subscribe to', mimeType: 'text/plain' }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'Watched resource content' }],
  }));

  // The sessionful samples' counter already answers resources/subscribe for its own URI: keep it for those.
  const previous = {
    subscribe: existingHandler(server, 'resources/subscribe'),
    unsubscribe: existingHandler(server, 'resources/unsubscribe'),
  };
  for (const method of ['resources/subscribe', 'resources/unsubscribe'] as const) {
    server.server.setRequestHandler(method, async (request, ctx) => {
      const fallback = method === 'resources/subscribe' ? previous.subscribe : previous.unsubscribe;
      return request.params.uri.startsWith('test://') || !fallback ? {} : fallback(request, ctx);
    });
  }
}

/** The SDK has no public getter for a registered handler, so read its table (covered by the fixtures test). */
function existingHandler(server: McpServer, method: string): SubscribeHandler | undefined {
  return (server.server as unknown as { _requestHandlers: Map<string, SubscribeHandler> })._requestHandlers.get(method);
}
