import type { CallToolResult, ElicitRequestFormParams, McpServer, ServerContext } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

type Schema = ElicitRequestFormParams['requestedSchema'];

const defaultsSchema: Schema = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'Name', default: 'John Doe' },
    age: { type: 'integer', description: 'Age', default: 30 },
    score: { type: 'number', description: 'Score', default: 95.5 },
    status: { type: 'string', description: 'Status', enum: ['active', 'inactive', 'pending'], default: 'active' },
    verified: { type: 'boolean', description: 'Verified', default: true },
  },
};

const titled = (prefix: string, word: string) =>
  ['First', 'Second', 'Third'].map((ordinal, i) => ({ const: `${prefix}${i + 1}`, title: `${ordinal} ${word}` }));

const enumsSchema = {
  type: 'object',
  properties: {
    untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
    titledSingle: { type: 'string', oneOf: titled('value', 'Option') },
    legacyEnum: { type: 'string', enum: ['opt1', 'opt2', 'opt3'], enumNames: ['Option One', 'Option Two', 'Option Three'] },
    untitledMulti: { type: 'array', items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
    titledMulti: { type: 'array', items: { anyOf: titled('value', 'Choice') } },
  },
} as Schema;

// Without a session the SDK's push would wait for the client's timeout (60 s) rather than fail.
const NO_CHANNEL = new Error('no session, so no channel for a server-to-client request');

/**
 * Without it the SDK sends the push on the session's GET stream, and drops it when that stream is
 * not open yet: a client that opens it in parallel with its first call (the suites do) can lose
 * the request. On the call's own POST stream it cannot be early.
 */
const onThisCall = (ctx: ServerContext) => ({ relatedRequestId: ctx.mcpReq.id });

const failed = (what: string, error: unknown): CallToolResult => ({
  isError: true,
  content: [{ type: 'text', text: `${what} failed: ${error instanceof Error ? error.message : String(error)}` }],
});

/**
 * The 2025-era push tools: the server sends sampling or elicitation requests back to the client mid-call.
 * Only a session gives them a channel, so stateless servers and 2026-era requests answer with a tool error.
 */
export function registerPushTools(server: McpServer): void {
  server.registerTool(
    'test_sampling',
    { description: 'Asks the client to sample an LLM.', inputSchema: z.object({ prompt: z.string().describe('The prompt to send to the LLM') }) },
    async ({ prompt }, ctx) => {
      if (!ctx.sessionId) return failed('Sampling', NO_CHANNEL);
      try {
        const result = await ctx.mcpReq.requestSampling({ messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 }, onThisCall(ctx));
        const content = Array.isArray(result.content) ? result.content[0] : result.content;
        return { content: [{ type: 'text', text: `LLM response: ${content?.type === 'text' ? content.text : ''}` }] };
      } catch (error) {
        return failed('Sampling', error);
      }
    },
  );

  const elicit = async (ctx: ServerContext, params: ElicitRequestFormParams, label: string): Promise<CallToolResult> => {
    if (!ctx.sessionId) return failed('Elicitation', NO_CHANNEL);
    try {
      const { action, content } = await ctx.mcpReq.elicitInput(params, onThisCall(ctx));
      return { content: [{ type: 'text', text: `${label}action=${action}, content=${JSON.stringify(content ?? {})}` }] };
    } catch (error) {
      return failed('Elicitation', error);
    }
  };
  server.registerTool(
    'test_elicitation',
    { description: 'Asks the user for a username and email.', inputSchema: z.object({ message: z.string().describe('The message to show the user') }) },
    ({ message }, ctx) =>
      elicit(ctx, {
        message,
        requestedSchema: {
          type: 'object',
          properties: { username: { type: 'string', description: "User's response" }, email: { type: 'string', description: "User's email address" } },
          required: ['username', 'email'],
        },
      }, 'User response: '),
  );
  server.registerTool('test_elicitation_sep1034_defaults', { description: 'Elicits a form whose fields all have defaults.' }, (ctx) =>
    elicit(ctx, { message: 'Please review and update the form fields with defaults', requestedSchema: defaultsSchema }, 'Elicitation completed: '),
  );
  server.registerTool('test_elicitation_sep1330_enums', { description: 'Elicits the five enum shapes.' }, (ctx) =>
    elicit(ctx, { message: 'Please select options from the enum fields', requestedSchema: enumsSchema }, 'Elicitation completed: '),
  );
}
