/**
 * Cold-start floor 2: the MCP SDK alone. A one-tool server behind `createMcpHandler`, the event's
 * body handed to its `fetch` as a `Request`: no event adapter, no shared tools, no HTTP rules.
 */
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';

export const mcp = createMcpHandler(() => {
  const server = new McpServer({ name: 'floor', version: '1' }, { capabilities: { tools: {} } });
  server.registerTool('echo', { description: 'Answers x.' }, () => ({ content: [{ type: 'text', text: 'x' }] }));
  return server;
}, { maxSubscriptions: 0, keepAliveMs: 0 });

export const handler = async (event: { body: string }) => {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const response = await mcp.fetch(new Request('http://localhost/mcp', { method: 'POST', headers, body: event.body }));
  return { statusCode: response.status, body: await response.text() };
};
