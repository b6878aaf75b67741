import type { ServerExtension } from '@mcp-on-aws/shared';
import * as z from 'zod/v4';

const config = {
  title: 'Ask the model',
  description: "Asks the client's own model a question (sampling, pushed to the client on its session) and logs each step at debug and info level.",
  inputSchema: z.object({ question: z.string().min(1).max(2_000) }),
  annotations: { readOnlyHint: true, openWorldHint: true },
};

/**
 * The one push the shared tools do not make: a server-to-client `sampling/createMessage`, added to
 * the shared factory as an extension. Registered on 2025-era sessions only, because a push needs a
 * channel back to the client; its log lines show `logging/setLevel` filtering on the session.
 */
export const askModel: ServerExtension = {
  register(server, { era }) {
    if (era !== 'legacy') return;
    server.registerTool('ask_model', config, async ({ question }, ctx) => {
      await ctx.mcpReq.log('debug', `sampling request: ${question.length} characters`, 'ask_model');
      await ctx.mcpReq.log('info', 'asking the client model', 'ask_model');
      // On this call's own stream: the session's GET stream may not be open yet, and the SDK would hold the request for it.
      const result = await ctx.mcpReq.requestSampling({ messages: [{ role: 'user', content: { type: 'text', text: question } }], maxTokens: 500 }, { relatedRequestId: ctx.mcpReq.id });
      const [block] = Array.isArray(result.content) ? result.content : [result.content];
      const answer = block?.type === 'text' ? block.text : `(${block?.type ?? 'no'} content)`;
      return { content: [{ type: 'text', text: `${result.model}: ${answer}` }] };
    });
  },
};
