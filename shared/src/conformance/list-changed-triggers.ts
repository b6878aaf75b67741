import type { McpServer } from '@modelcontextprotocol/server';

import type { ToolContext } from '../server';

/**
 * The hooks the 2026 suite calls to see `notifications/{tools,prompts}/list_changed` arrive on an
 * open `subscriptions/listen` stream: each publishes the change on the deployment's bus, which
 * reaches every listen stream of this process. Registered only where a bus exists; a deployment
 * without one (Lambda) advertises no list changes at all.
 */
export function registerListChangedTriggers(server: McpServer, { changes }: ToolContext): void {
  if (!changes) return;
  for (const [what, kind] of [['tool', 'tools_list_changed'], ['prompt', 'prompts_list_changed']] as const) {
    server.registerTool(`test_trigger_${what}_change`, { description: `Announces a ${what}-list change (a conformance hook: the list itself stays as it is).` }, () => {
      changes.publish({ kind });
      return { content: [{ type: 'text', text: `${what} list change announced` }] };
    });
  }
}
