import type { McpServer } from '@modelcontextprotocol/server';

import type { SessionCounter } from './counter';

const config = {
  title: 'Read counter',
  description: "Returns this session's counter without changing it. Listed once the counter is above zero.",
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
};

/**
 * A tool list that changes at run time, as a 2025-era session sees it: `read_counter` joins the list
 * once this server has seen the session's counter above zero, and the SDK announces it with
 * `notifications/tools/list_changed`. Returns the counter to hand to the other counter tools, so
 * every increment and read it serves can reveal the tool.
 */
export function registerCounterReader(server: McpServer, counter: SessionCounter): SessionCounter {
  const reader = server.registerTool('read_counter', config, async (ctx) => {
    const value = ctx.sessionId ? await counter.read(ctx.sessionId) : 0;
    return { content: [{ type: 'text', text: String(value) }], structuredContent: { value } };
  });
  reader.disable(); // before connect, so nothing is announced
  // A new session starts at zero. One initialized with its counter already above zero was rebuilt on
  // another task (durable sessions): its client has seen the tool, so it is back without an announcement.
  server.server.oninitialized = () => {
    const sessionId = server.server.transport?.sessionId;
    if (sessionId) void counter.read(sessionId).then((value) => void (value > 0 && (reader.enabled = true)), () => {});
  };
  const seen = (value: number) => {
    if (value > 0 && !reader.enabled) reader.enable();
    return value;
  };
  return {
    increment: async (sessionId) => seen(await counter.increment(sessionId)),
    read: async (sessionId) => seen(await counter.read(sessionId)),
  };
}
