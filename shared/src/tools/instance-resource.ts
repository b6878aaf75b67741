import type { McpServer } from '@modelcontextprotocol/server';

import type { ToolContext } from '../server';

export const INSTANCE_URI = 'instance://info';

const config = { title: 'Instance info', description: 'Which instance serves this endpoint, and how.', mimeType: 'application/json' };

export function registerInstanceResource(server: McpServer, { era, instance, counter }: ToolContext): void {
  const info = JSON.stringify({ ...instance, era, sessions: Boolean(counter) });
  server.registerResource('instance-info', INSTANCE_URI, config, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'application/json', text: info }],
  }));
}
