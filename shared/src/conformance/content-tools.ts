import type { McpServer } from '@modelcontextprotocol/server';
import { fromJsonSchema } from '@modelcontextprotocol/server';
import { setTimeout as sleep } from 'node:timers/promises';

import { PNG_1X1, WAV_SILENCE } from './media';

const noArgs = (description: string) => ({ description });

// Raw JSON Schema, because the scenarios check that 2020-12 keywords survive the listing untouched
// ($schema, $defs with $anchor, additionalProperties, allOf/anyOf, if/then/else).
const schema2020 = fromJsonSchema({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: { address: { $anchor: 'addressDef', type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
});

/** The content, error, logging, progress and schema tools: plain request/response, so every era and mode can pass them. */
export function registerContentTools(server: McpServer): void {
  server.registerTool('test_simple_text', noArgs('Returns one text block.'), () => ({
    content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
  }));
  server.registerTool('test_image_content', noArgs('Returns one PNG image.'), () => ({
    content: [{ type: 'image', data: PNG_1X1, mimeType: 'image/png' }],
  }));
  server.registerTool('test_audio_content', noArgs('Returns one WAV clip.'), () => ({
    content: [{ type: 'audio', data: WAV_SILENCE, mimeType: 'audio/wav' }],
  }));
  server.registerTool('test_embedded_resource', noArgs('Returns an embedded text resource.'), () => ({
    content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
  }));
  server.registerTool('test_multiple_content_types', noArgs('Returns text, an image and a resource.'), () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG_1X1, mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) } },
    ],
  }));
  server.registerTool('test_error_handling', noArgs('Always fails.'), () => {
    throw new Error('This tool intentionally returns an error for testing');
  });
  server.registerTool('test_tool_with_logging', noArgs('Logs three info messages 50 ms apart.'), async (ctx) => {
    for (const [i, data] of ['Tool execution started', 'Tool processing data', 'Tool execution completed'].entries()) {
      if (i > 0) await sleep(50);
      await ctx.mcpReq.notify({ method: 'notifications/message', params: { level: 'info', data } });
    }
    return { content: [{ type: 'text', text: 'Tool with logging executed successfully' }] };
  });
  server.registerTool('test_tool_with_progress', noArgs('Reports progress 0, 50 and 100 of 100.'), async (ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    for (const progress of [0, 50, 100]) {
      if (progress > 0) await sleep(50);
      if (progressToken !== undefined) await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress, total: 100 } });
    }
    return { content: [{ type: 'text', text: 'Tool with progress executed successfully' }] };
  });
  server.registerTool('json_schema_2020_12_tool', { description: 'Tool with JSON Schema 2020-12 features', inputSchema: schema2020 }, (args) => ({
    content: [{ type: 'text', text: `JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}` }],
  }));
  server.registerTool('test_reconnection', noArgs('Closes its own SSE stream mid-call; the client resumes with Last-Event-ID.'), async (ctx) => {
    // Only a sessionful transport with an event store offers closeSSE; elsewhere this is a plain call.
    ctx.http?.closeSSE?.();
    await sleep(100);
    return { content: [{ type: 'text', text: 'Reconnection test completed successfully.' }] };
  });
}
