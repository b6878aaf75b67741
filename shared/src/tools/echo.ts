import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

import { jsonSchemaOnce } from './json-schema-once';

const config = {
  title: 'Echo',
  description: 'Returns its input unchanged. No I/O: the cheapest possible tool call, for load tests.',
  inputSchema: jsonSchemaOnce(z.object({ message: z.string().max(10_000) })),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
};

export function registerEcho(server: McpServer): void {
  server.registerTool('echo', config, async ({ message }) => ({ content: [{ type: 'text', text: message }] }));
}
