import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import { CLIENT_CAPABILITIES_META_KEY, fromJsonSchema, inputRequired, inputResponse } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

export type Declared = { elicitation?: object; sampling?: object; roots?: object };

/** The capabilities the client declared on this request (2026 era: they travel in `_meta`, not in a session). */
export function declaredCapabilities(ctx: ServerContext): Declared {
  const envelope = ctx.mcpReq.envelope as Record<string, Declared | undefined> | undefined;
  return envelope?.[CLIENT_CAPABILITIES_META_KEY] ?? {};
}

// Each property is mirrored into an Mcp-Param-* header; the SDK checks header against body before the handler runs.
const headerSchema = fromJsonSchema<{ region?: string; priority?: number; verbose?: boolean }>({
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    priority: { type: 'integer', 'x-mcp-header': 'Priority' },
    verbose: { type: 'boolean', 'x-mcp-header': 'Verbose' },
  },
} as Parameters<typeof fromJsonSchema>[0]); // x-mcp-header is an extension keyword the JSON Schema type does not list

/** The probes the 2026 suite uses to test stateless serving (SEP-2575) and custom headers (SEP-2243). */
export function registerModernDiagnostics(server: McpServer): void {
  // The SDK itself answers -32021 (HTTP 400) when an input request needs a capability the client did not declare.
  server.registerTool('test_missing_capability', { description: 'Needs the client to declare sampling on the request.' }, (ctx) =>
    inputResponse(ctx.mcpReq.inputResponses, 'sample').kind === 'sampling'
      ? { content: [{ type: 'text', text: 'sampled' }] }
      : inputRequired({ inputRequests: { sample: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }], maxTokens: 10 }) } }),
  );
  server.registerTool('test_logging_tool', { description: 'Logs at info; the client only sees it if it asked for a log level.' }, async (ctx) => {
    await ctx.mcpReq.log('info', 'test_logging_tool ran');
    return { content: [{ type: 'text', text: 'logged' }] };
  });
  server.registerTool('test_streaming_elicitation', { description: 'Asks for input the 2026 way: an input_required result on the request stream.' }, () =>
    inputRequired({ inputRequests: { answer: inputRequired.elicit({ message: 'Anything to add?', requestedSchema: z.object({ note: z.string() }) }) } }),
  );
  server.registerTool('test_custom_headers', { description: 'Arguments mirrored into Mcp-Param-* headers.', inputSchema: headerSchema }, (args) => ({
    content: [{ type: 'text', text: `headers matched: ${JSON.stringify(args)}` }],
  }));
}
