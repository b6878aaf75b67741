import type { McpServer } from '@modelcontextprotocol/server';

import type { Subscriptions } from './subscriptions';

/** Per-session state that stickiness protects and a durable store keeps across tasks. */
export interface SessionCounter {
  increment(sessionId: string): Promise<number>;
  read(sessionId: string): Promise<number>;
}

export const COUNTER_URI = 'session://counter';

const incrementConfig = {
  title: 'Increment counter',
  description: 'Adds one to a counter that belongs to this MCP session and returns the new value.',
  annotations: { readOnlyHint: false, idempotentHint: false, openWorldHint: false },
};

const readConfig = {
  title: 'Read counter',
  description: "Returns this session's counter without changing it. Listed once the counter is above zero.",
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
};

const resourceConfig = { title: 'Session counter', description: 'The current value of this session\'s counter.', mimeType: 'application/json' };

/**
 * The session counter: `increment_counter`, `read_counter` and the `session://counter` resource.
 * A change is announced to a session that subscribed. The tool list also changes at run time, as a
 * 2025-era session sees it: `read_counter` joins the list once this server has seen the session's
 * counter above zero, and the SDK announces it with `notifications/tools/list_changed`.
 */
export function registerCounterTools(server: McpServer, counter: SessionCounter, subscriptions: Subscriptions): void {
  const reader = server.registerTool('read_counter', readConfig, async (ctx) => {
    const value = ctx.sessionId ? await counter.read(ctx.sessionId) : 0;
    return { content: [{ type: 'text', text: String(value) }], structuredContent: { value } };
  });
  reader.disable(); // before connect, so nothing is announced
  const seen = async (value: Promise<number>) => {
    const resolved = await value;
    if (resolved > 0 && !reader.enabled) reader.enable();
    return resolved;
  };
  // A new session starts at zero. One initialized with its counter already above zero was rebuilt on
  // another task (durable sessions): its client has seen the tool, so it is back without an announcement.
  // `oninitialized` is the SDK's one slot for this, so whatever was there before still runs.
  const before = server.server.oninitialized;
  server.server.oninitialized = () => {
    before?.();
    const sessionId = server.server.transport?.sessionId;
    if (sessionId) void counter.read(sessionId).then((value) => void (value > 0 && (reader.enabled = true)), () => {});
  };

  server.registerTool('increment_counter', incrementConfig, async (ctx) => {
    if (!ctx.sessionId) return { isError: true, content: [{ type: 'text', text: 'increment_counter needs an MCP session' }] };
    const value = await seen(counter.increment(ctx.sessionId));
    if (subscriptions.has(COUNTER_URI)) await server.server.sendResourceUpdated({ uri: COUNTER_URI });
    return { content: [{ type: 'text', text: String(value) }], structuredContent: { value } };
  });

  server.registerResource('session-counter', COUNTER_URI, resourceConfig, async (uri, ctx) => {
    const value = ctx.sessionId ? await seen(counter.read(ctx.sessionId)) : 0;
    return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ value }) }] };
  });
}

/** A counter in this process's memory: the one a sessionful server uses without a durable store, and the tests'. */
export class MemoryCounter implements SessionCounter {
  private readonly values = new Map<string, number>();

  async increment(sessionId: string): Promise<number> {
    const value = (this.values.get(sessionId) ?? 0) + 1;
    this.values.set(sessionId, value);
    return value;
  }

  async read(sessionId: string): Promise<number> {
    return this.values.get(sessionId) ?? 0;
  }

  async forget(sessionId: string): Promise<void> {
    this.values.delete(sessionId);
  }
}
