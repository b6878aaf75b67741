import type { McpServer } from '@modelcontextprotocol/server';
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod/v4';

import { jsonSchemaOnce } from './json-schema-once';

// 10 steps of 2 s at most: 20 s is enough to watch progress, and a step of 2 s stays far inside any idle timeout.
export const COUNTDOWN_LIMITS = { maxSteps: 10, maxDelayMs: 2_000 };

const config = {
  title: 'Countdown',
  description: `Counts down from steps to zero, one progress notification per step. steps 1-${COUNTDOWN_LIMITS.maxSteps}, delayMs 0-${COUNTDOWN_LIMITS.maxDelayMs}.`,
  // Bounds are checked in the handler, so an out-of-range value is a tool error the model can read.
  inputSchema: jsonSchemaOnce(
    z.object({
      steps: z.number().int().describe(`1 to ${COUNTDOWN_LIMITS.maxSteps}`),
      delayMs: z.number().int().default(200).describe(`0 to ${COUNTDOWN_LIMITS.maxDelayMs}`),
    }),
  ),
  annotations: { readOnlyHint: true, openWorldHint: false },
};

export function registerCountdown(server: McpServer): void {
  server.registerTool('countdown', config, async ({ steps, delayMs }, ctx) => {
    if (steps < 1 || steps > COUNTDOWN_LIMITS.maxSteps || delayMs < 0 || delayMs > COUNTDOWN_LIMITS.maxDelayMs) {
      return {
        isError: true,
        content: [{ type: 'text', text: `countdown takes steps 1-${COUNTDOWN_LIMITS.maxSteps} and delayMs 0-${COUNTDOWN_LIMITS.maxDelayMs}; got steps=${steps}, delayMs=${delayMs}` }],
      };
    }
    const progressToken = ctx.mcpReq._meta?.progressToken;
    for (let done = 1; done <= steps; done++) {
      await sleep(delayMs, undefined, { signal: ctx.mcpReq.signal });
      if (progressToken !== undefined) {
        await ctx.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken, progress: done, total: steps, message: `${steps - done} to go` },
        });
      }
    }
    return { content: [{ type: 'text', text: `Lift-off after ${steps} steps` }] };
  });
}
