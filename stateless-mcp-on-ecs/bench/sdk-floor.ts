/**
 * The MCP SDK's own floor on Node: `createMcpHandler` behind `toNodeHandler` on `node:http`, a server
 * with one tool per request as the SDK's docs build it. No Express, no guards, no body limit, no log
 * line, no shared tools: what any server built on this SDK pays per request before it adds anything.
 */
import { createServer } from 'node:http';

import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

const mcp = createMcpHandler(() => {
  const server = new McpServer({ name: 'floor', version: '1' });
  server.registerTool('echo', { inputSchema: z.object({ message: z.string() }) }, ({ message }) => ({ content: [{ type: 'text', text: message }] }));
  return server;
});
const server = createServer(toNodeHandler(mcp)).listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
