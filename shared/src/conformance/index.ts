/**
 * The fixture set `@modelcontextprotocol/conformance` expects (`npm run conformance`). It is test
 * surface, not product: the factory adds it only when asked (`conformanceFixtures`), and the servers
 * ask only when MCP_CONFORMANCE_FIXTURES=1, which no deployment sets.
 */
import type { McpServer } from '@modelcontextprotocol/server';

import type { ToolContext } from '../server';
import { registerContentTools } from './content-tools';
import { registerInputRequiredTools } from './input-required-tools';
import { registerListChangedTriggers } from './list-changed-triggers';
import { registerModernDiagnostics } from './modern-diagnostics';
import { registerFixturePrompts } from './prompts';
import { registerPushTools } from './push-tools';
import { registerFixtureResources } from './resources';

export const CONFORMANCE_ENV = 'MCP_CONFORMANCE_FIXTURES';

/** True only for the exact opt-in value, so a stray or empty variable never exposes the fixtures. */
export function conformanceFixturesRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[CONFORMANCE_ENV] === '1';
}

export function registerConformanceFixtures(server: McpServer, ctx: ToolContext): void {
  registerContentTools(server);
  registerPushTools(server);
  registerInputRequiredTools(server, ctx);
  registerModernDiagnostics(server);
  registerListChangedTriggers(server, ctx);
  registerFixtureResources(server);
  registerFixturePrompts(server);
}
