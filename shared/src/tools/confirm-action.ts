import { createHash } from 'node:crypto';

import type { AuthInfo, CallToolResult, InputRequiredResult, McpServer } from '@modelcontextprotocol/server';
import { acceptedContent, inputRequired, inputResponse } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

import { principalDigest } from '../auth/principal';
import type { ToolContext } from '../server';
import { jsonSchemaOnce } from './json-schema-once';

/**
 * What the signed `requestState` proves on re-entry: which tool asked, about which arguments, in which
 * session (2025-era sessions only), for which caller (with authentication on): a state one caller
 * received cannot confirm another caller's call.
 */
export interface ConfirmState {
  tool: string;
  /** SHA-256 of the arguments, so the state is no longer than a hash and shows nothing new. */
  args: string;
  /** SHA-256 of the session id, or null where there is no session. */
  session: string | null;
  /** `principalDigest` of the caller, or null with authentication off. */
  principal: string | null;
}

const TOOL = 'confirm_action';
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/** Binds a confirmation to exactly this call and caller, so a minted state cannot be replayed on another. */
export function confirmStateFor(tool: string, args: { action: string }, sessionId: string | undefined, auth?: AuthInfo): ConfirmState {
  return { tool, args: sha256(JSON.stringify([args.action])), session: sessionId === undefined ? null : sha256(sessionId), principal: principalDigest(auth) ?? null };
}

const sameState = (a: ConfirmState, b: ConfirmState) => a.tool === b.tool && a.args === b.args && a.session === b.session && a.principal === b.principal;

export const STATE_MISMATCH =
  'This confirmation was given for another call (another tool, other arguments, another session or another caller); call confirm_action again.';

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
  server.registerTool(TOOL, config, async ({ action }, ctx): Promise<CallToolResult | InputRequiredResult> => {
    if (era === 'legacy' && !ctx.sessionId) {
      return { isError: true, content: [{ type: 'text', text: NO_INPUT_CHANNEL }] };
    }
    const state = ctx.mcpReq.requestState<ConfirmState>();
    const expected = confirmStateFor(TOOL, { action }, ctx.sessionId, ctx.http?.authInfo);
    if (!state) {
      return inputRequired({
        inputRequests: { confirm: inputRequired.elicit({ message: `Confirm: ${action}?`, requestedSchema: answerSchema }) },
        requestState: await confirmCodec.mint(expected, ctx),
      });
    }
    if (!sameState(state, expected)) {
      return { isError: true, content: [{ type: 'text', text: STATE_MISMATCH }] };
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
