import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

const config = {
  title: 'Explain scaling',
  description: 'Asks the model to explain how this MCP deployment scales, using the ping tool as evidence.',
  argsSchema: z.object({ deployment: z.enum(['lambda', 'ecs-stateless', 'ecs-stateful']).describe('Which sample you are talking to') }),
};

export function registerPrompt(server: McpServer): void {
  server.registerPrompt('explain_scaling', config, ({ deployment }) => ({
    messages: [
      {
        role: 'user',
        content: {
          type: 'text',
          text: `Call the ping tool five times against this ${deployment} MCP server and explain, from which instances answered, how requests are routed and what that means for state.`,
        },
      },
    ],
  }));
}
