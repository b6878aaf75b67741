import type { CallToolResult, InputRequiredResult, McpServer } from '@modelcontextprotocol/server';
import { acceptedContent, inputRequired, inputResponse } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

import type { ToolContext } from '../server';
import { jsonSchemaOnce } from './json-schema-once';

/** What the signed `requestState` proves on re-entry: which action the user was asked about. */
export interface ConfirmState {
  action: string;
}

const answerSchema = z.object({ confirm: z.boolean().meta({ title: 'Confirm' }) });

const config = {
  title: 'Confirm action',
  description: 'Asks the user to confirm an action before "performing" it (human in the loop through input_required).',
  inputSchema: jsonSchemaOnce(z.object({ action: z.string().min(1).max(200) })),
  annotations: { destructiveHint: false, openWorldHint: false },
};

export const NO_INPUT_CHANNEL =
  'confirm_action cannot ask for confirmation here: a stateless 2025-era request has no channel back to the user. ' +
  'Use a 2026-07-28 client, or a server with sessions.';

/**
 * Works everywhere input can reach the user: 2026-era clients answer `input_required` and retry;
 * on 2025-era sessions the SDK's legacy shim pushes `elicitation/create` and re-enters the handler.
 */
export function registerConfirmAction(server: McpServer, { era, confirmCodec }: ToolContext): void {
  server.registerTool('confirm_action', config, async ({ action }, ctx): Promise<CallToolResult | InputRequiredResult> => {
    if (era === 'legacy' && !ctx.sessionId) {
      return { isError: true, content: [{ type: 'text', text: NO_INPUT_CHANNEL }] };
    }
    const state = ctx.mcpReq.requestState<ConfirmState>();
    if (!state) {
      return inputRequired({
        inputRequests: { confirm: inputRequired.elicit({ message: `Confirm: ${action}?`, requestedSchema: answerSchema }) },
        requestState: await confirmCodec.mint({ action }, ctx),
      });
    }
    if (state.action !== action) {
      // A confirmation covers exactly the action it was asked for.
      return { isError: true, content: [{ type: 'text', text: 'The confirmation was given for a different action; call confirm_action again.' }] };
    }
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
    const confirmed = acceptedContent(ctx.mcpReq.inputResponses, 'confirm', answerSchema)?.confirm === true;
    if (!confirmed) {
      const how = answer.kind === 'elicit' ? answer.action : 'no answer';
      return { content: [{ type: 'text', text: `Not done: "${action}" was not confirmed (${how === 'accept' ? 'unchecked' : how}).` }] };
    }
    return { content: [{ type: 'text', text: `Done: "${action}" was confirmed.` }] };
  });
}
