/**
 * Tools, resources and prompts registered once and served by many `McpServer`s. A server held for a
 * session's life otherwise registers its own copy of each: about 1.3 KB of heap a registration,
 * because the SDK builds each as an object with a getter, a setter and five closures of its own.
 *
 * The SDK has no public way to serve one set of registrations from several servers (nor to ask a
 * server which tools it has), so this is the one reach into `McpServer`'s private records
 * (`_registeredTools` and its siblings, checked against `@modelcontextprotocol/server` 2.4). The upstream change that would retire it: an `McpServer`
 * option taking a registry built once (tools, resources, templates, prompts), which `tools/list`,
 * `tools/call`, `resources/*` and `prompts/*` read before the server's own registrations.
 *
 * A shared definition must not depend on the session: its handler reads the session from the
 * request's `ctx`, never from the server that registered it, and nothing enables, disables or
 * updates it afterwards (that would change it for every session). Per-session definitions, such as
 * the session counter's tools, are registered on each server as before.
 */
import type { McpServer } from '@modelcontextprotocol/server';

const RECORDS = ['_registeredTools', '_registeredResources', '_registeredResourceTemplates', '_registeredPrompts'] as const;

function record(server: McpServer, name: (typeof RECORDS)[number]): Record<string, unknown> {
  const found = (server as unknown as Record<string, unknown>)[name];
  if (typeof found !== 'object' || found === null) throw new Error(`McpServer has no ${name}: the SDK changed, see shared/src/shared-definitions.ts`);
  return found as Record<string, unknown>;
}

/**
 * Whether `server` registered a tool of this name. The metrics name a tool only if it is one
 * (`observability/mcp-observer.ts`); a record the SDK no longer has answers false, not an error,
 * since this runs on every tool call.
 */
export function hasRegisteredTool(server: McpServer, name: string): boolean {
  const tools = (server as unknown as Record<string, unknown>)._registeredTools;
  return typeof tools === 'object' && tools !== null && Object.hasOwn(tools, name);
}

/**
 * Adds `template`'s registrations to `server`, the same objects, before the server registers its
 * own. Both servers are built with the same capabilities, so `server` already answers the methods
 * that read them.
 */
export function serveSharedDefinitions(server: McpServer, template: McpServer): void {
  // A completable prompt or template makes the SDK add a `completion/complete` handler at registration, which `server` would lack.
  if (template.server.getCapabilities().completions && !server.server.getCapabilities().completions) {
    throw new Error('A shared definition offers completions: register it on each server instead');
  }
  for (const name of RECORDS) Object.assign(record(server, name), record(template, name));
}
