import type { McpServerFactory, RequestStateCodec } from '@modelcontextprotocol/server';
import { McpServer, createRequestStateCodec } from '@modelcontextprotocol/server';

import type { Config } from './config';
import type { Instance } from './instance';
import { conformanceFixturesRequested, registerConformanceFixtures } from './conformance';
import { registerConfirmAction, type ConfirmState } from './tools/confirm-action';
import { registerCountdown } from './tools/countdown';
import { COUNTER_URI, registerCounter, type SessionCounter } from './tools/counter';
import { registerEcho } from './tools/echo';
import { registerInstanceResource } from './tools/instance-resource';
import { registerPing } from './tools/ping';
import { registerPrompt } from './tools/prompt';
import { Subscriptions } from './tools/subscriptions';

export type Era = 'legacy' | 'modern';

export interface ServerOptions {
  instance: Instance;
  config: Pick<Config, 'requestStateKey'>;
  /** Present only where the deployment has sessions: the session-scoped counter lives here. */
  counter?: SessionCounter;
  /**
   * Adds the conformance-suite fixtures (shared/src/conformance). Defaults to MCP_CONFORMANCE_FIXTURES=1,
   * which only `npm run conformance` sets, so every sample's entry point honours it unchanged.
   */
  conformanceFixtures?: boolean;
}

/** What every tool registration receives: fixed per deployment, except the era. */
export interface ToolContext {
  era: Era;
  instance: Instance;
  confirmCodec: RequestStateCodec<ConfirmState>;
  counter?: SessionCounter;
}

/**
 * Returns the one server factory all three samples use. It runs on every stateless request,
 * so everything expensive (the codec, schemas, tool metadata) is built outside it.
 */
export function createServerFactory(options: ServerOptions): McpServerFactory {
  const confirmCodec = createRequestStateCodec<ConfirmState>({ key: options.config.requestStateKey, ttlSeconds: 600 });
  const fixtures = options.conformanceFixtures ?? conformanceFixturesRequested();
  const serverOptions = {
    capabilities: { tools: {}, resources: options.counter || fixtures ? { subscribe: true } : {}, prompts: {}, logging: {} },
    requestState: { verify: confirmCodec.verify },
  };
  const info = { name: 'mcp-on-aws', version: options.instance.version };

  return ({ era }) => {
    const server = new McpServer(info, serverOptions);
    const ctx: ToolContext = { era, instance: options.instance, confirmCodec, counter: options.counter };
    registerPing(server, ctx);
    registerEcho(server);
    registerCountdown(server);
    registerConfirmAction(server, ctx);
    registerInstanceResource(server, ctx);
    registerPrompt(server);
    if (ctx.counter || fixtures) {
      const subscriptions = new Subscriptions(server, (uri) => (ctx.counter !== undefined && uri === COUNTER_URI) || (fixtures && uri.startsWith('test://')));
      if (ctx.counter) registerCounter(server, ctx.counter, subscriptions);
    }
    if (fixtures) registerConformanceFixtures(server, ctx);
    return server;
  };
}
