import type { InputRequiredResult, McpServer, ServerContext } from '@modelcontextprotocol/server';
import { acceptedContent, inputRequired, inputResponse } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

import type { ToolContext } from '../server';
import { declaredCapabilities } from './modern-diagnostics';

const nameSchema = z.object({ name: z.string() });
const askName = (message: string) => inputRequired.elicit({ message, requestedSchema: nameSchema });
const greetingRequest = inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 });
const capitalRequest = inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }], maxTokens: 100 });
const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });


/**
 * The 2026-era multi-round-trip fixtures (SEP-2322). Round state travels in `requestState`, minted
 * with the server's one codec, so the server's own verify hook rejects a tampered state before any
 * handler runs. The `action` field of that codec's payload names the fixture and round.
 */
export function registerInputRequiredTools(server: McpServer, { confirmCodec }: ToolContext): void {
  const mint = (round: string, ctx: ServerContext) => confirmCodec.mint({ action: round }, ctx);
  const roundOf = (ctx: ServerContext) => ctx.mcpReq.requestState<{ action: string }>()?.action;
  const tool = (name: string, handler: (ctx: ServerContext) => Promise<InputRequiredResult | ReturnType<typeof text>>) =>
    server.registerTool(name, { description: `Conformance fixture ${name} (input_required).` }, handler);

  tool('test_input_required_result_elicitation', async (ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_name', nameSchema);
    // A missing or malformed answer asks again rather than completing on bad input.
    return answer ? text(`Hello, ${answer.name}!`) : inputRequired({ inputRequests: { user_name: askName('What is your name?') } });
  });

  tool('test_input_required_result_sampling', async (ctx) => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'capital_question');
    if (answer.kind !== 'sampling') return inputRequired({ inputRequests: { capital_question: capitalRequest } });
    const content = Array.isArray(answer.result.content) ? answer.result.content[0] : answer.result.content;
    return text(`LLM response: ${content?.type === 'text' ? content.text : ''}`);
  });

  tool('test_input_required_result_list_roots', async (ctx) => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'client_roots');
    if (answer.kind !== 'roots') return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
    return text(`Roots: ${answer.roots.map((root) => root.uri).join(', ')}`);
  });

  tool('test_input_required_result_request_state', async (ctx) => {
    const ok = acceptedContent(ctx.mcpReq.inputResponses, 'confirm', z.object({ ok: z.boolean() }));
    if (roundOf(ctx) === 'request_state#1' && ok) return text(`state-ok: confirmed=${ok.ok}`);
    return inputRequired({
      inputRequests: { confirm: inputRequired.elicit({ message: 'Please confirm', requestedSchema: z.object({ ok: z.boolean() }) }) },
      requestState: await mint('request_state#1', ctx),
    });
  });

  tool('test_input_required_result_multiple_inputs', async (ctx) => {
    const responses = ctx.mcpReq.inputResponses;
    const name = acceptedContent(responses, 'user_name', nameSchema);
    const complete = name && inputResponse(responses, 'greeting').kind === 'sampling' && inputResponse(responses, 'client_roots').kind === 'roots';
    if (roundOf(ctx) === 'multiple#1' && complete) return text(`All inputs received for ${name.name}`);
    return inputRequired({
      inputRequests: { user_name: askName('What is your name?'), greeting: greetingRequest, client_roots: inputRequired.listRoots() },
      requestState: await mint('multiple#1', ctx),
    });
  });

  tool('test_input_required_result_multi_round', async (ctx) => {
    const round = roundOf(ctx);
    const color = acceptedContent(ctx.mcpReq.inputResponses, 'step2', z.object({ color: z.string() }));
    if (round === 'multi_round#2' && color) return text(`Multi-round complete: favorite color ${color.color}`);
    if (round === 'multi_round#1' && acceptedContent(ctx.mcpReq.inputResponses, 'step1', nameSchema)) {
      return inputRequired({
        inputRequests: { step2: inputRequired.elicit({ message: 'Step 2: What is your favorite color?', requestedSchema: z.object({ color: z.string() }) }) },
        requestState: await mint('multi_round#2', ctx),
      });
    }
    return inputRequired({ inputRequests: { step1: askName('Step 1: What is your name?') }, requestState: await mint('multi_round#1', ctx) });
  });

  tool('test_input_required_result_tampered_state', async (ctx) => {
    if (roundOf(ctx) === 'tampered#1') return text('requestState verified');
    return inputRequired({ inputRequests: { user_name: askName('What is your name?') }, requestState: await mint('tampered#1', ctx) });
  });

  tool('test_input_required_result_capabilities', async (ctx) => {
    const declared = declaredCapabilities(ctx);
    if (ctx.mcpReq.inputResponses) return text('Inputs received');
    // Ask only through channels the client declared on this request.
    const inputRequests = {
      ...(declared.elicitation && { user_name: askName('What is your name?') }),
      ...(declared.sampling && { greeting: greetingRequest }),
      ...(declared.roots && { client_roots: inputRequired.listRoots() }),
    };
    return Object.keys(inputRequests).length ? inputRequired({ inputRequests }) : text('The client declared no input capability');
  });

  server.registerPrompt('test_input_required_result_prompt', { description: 'A prompt that needs context from the user first.' }, (ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_context', z.object({ context: z.string() }));
    if (!answer) {
      return inputRequired({
        inputRequests: { user_context: inputRequired.elicit({ message: 'What context should the prompt use?', requestedSchema: z.object({ context: z.string() }) }) },
      });
    }
    return { messages: [{ role: 'user', content: { type: 'text', text: `Use this context: ${answer.context}` } }] };
  });
}
