import type { McpServer } from '@modelcontextprotocol/server';

import type { Subscriptions } from './subscriptions';

/** Per-session state that stickiness protects and a durable store keeps across tasks. */
export interface SessionCounter {
  increment(sessionId: string): Promise<number>;
  read(sessionId: string): Promise<number>;
}

export const COUNTER_URI = 'session://counter';

const toolConfig = {
  title: 'Increment counter',
  description: 'Adds one to a counter that belongs to this MCP session and returns the new value.',
  annotations: { readOnlyHint: false, idempotentHint: false, openWorldHint: false },
};

const resourceConfig = { title: 'Session counter', description: 'The current value of this session\'s counter.', mimeType: 'application/json' };

/** Registers the counter tool and its resource; a change is announced to a session that subscribed. */
export function registerCounter(server: McpServer, counter: SessionCounter, subscriptions: Subscriptions): void {

  server.registerTool('increment_counter', toolConfig, async (ctx) => {
    if (!ctx.sessionId) return { isError: true, content: [{ type: 'text', text: 'increment_counter needs an MCP session' }] };
    const value = await counter.increment(ctx.sessionId);
    if (subscriptions.has(COUNTER_URI)) await server.server.sendResourceUpdated({ uri: COUNTER_URI });
    return { content: [{ type: 'text', text: String(value) }], structuredContent: { value } };
  });

  server.registerResource('session-counter', COUNTER_URI, resourceConfig, async (uri, ctx) => {
    const value = ctx.sessionId ? await counter.read(ctx.sessionId) : 0;
    return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ value }) }] };
  });
}
