import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

import { subjectOf } from '../auth/principal';
import { sessionTag } from '../http/request-log';
import type { ToolContext } from '../server';
import { jsonSchemaOnce } from './json-schema-once';

const outputSchema = jsonSchemaOnce(
  z.object({
    pong: z.literal(true),
    instance: z.string().describe('Which task, execution environment or process answered'),
    platform: z.enum(['ecs', 'lambda', 'local']),
    era: z.enum(['legacy', 'modern']),
    session: z.string().optional().describe('The session, as the logs name it: 12 hex digits of the SHA-256 of its id, never the id itself'),
    subject: z.string().optional().describe('Who called: the access token\'s subject, when authentication is on'),
    version: z.string(),
  }),
);

const config = {
  title: 'Ping',
  description: 'Answers pong with the instance that served the request, the protocol era, and the session\'s tag and the caller\'s subject, if any.',
  outputSchema,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
};

export function registerPing(server: McpServer, { era, instance }: ToolContext): void {
  server.registerTool('ping', config, async (ctx) => {
    const subject = subjectOf(ctx.http?.authInfo);
    const result: z.infer<typeof outputSchema> = {
      pong: true,
      instance: instance.id,
      platform: instance.platform,
      era,
      // A session id is a bearer credential, and tool output ends up in transcripts: the tag only.
      ...(ctx.sessionId && { session: sessionTag(ctx.sessionId) }),
      ...(subject !== undefined && { subject }),
      version: instance.version,
    };
    return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
  });
}
