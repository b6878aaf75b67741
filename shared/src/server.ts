import type { CreateMcpHandlerOptions, McpHttpHandler, McpServerFactory, RequestStateCodec, ServerCapabilities, ServerEventBus } from '@modelcontextprotocol/server';
import { InMemoryServerEventBus, McpServer, createMcpHandler, createRequestStateCodec } from '@modelcontextprotocol/server';

import type { Config } from './config';
import type { Instance } from './instance';
import { conformanceFixturesRequested, registerConformanceFixtures } from './conformance';
import { registerConfirmAction, type ConfirmState } from './tools/confirm-action';
import { registerCountdown } from './tools/countdown';
import { COUNTER_URI, registerCounter, type SessionCounter } from './tools/counter';
import { registerCounterReader } from './tools/counter-reader';
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
  /**
   * The change-event bus this deployment's 2026-era `subscriptions/listen` streams follow: pass the
   * same one to `createMcpHandler({ bus })`. Without it the deployment holds no listen stream (Lambda),
   * so its 2026 era advertises no list-change or subscription capability.
   */
  changes?: ServerEventBus;
}

/** What every tool registration receives: fixed per deployment, except the era. */
export interface ToolContext {
  era: Era;
  instance: Instance;
  confirmCodec: RequestStateCodec<ConfirmState>;
  counter?: SessionCounter;
  changes?: ServerEventBus;
}

/**
 * Returns the one server factory all three samples use. It runs on every stateless request,
 * so everything expensive (the codec, schemas, tool metadata) is built outside it.
 */
export function createServerFactory(options: ServerOptions): McpServerFactory {
  const confirmCodec = createRequestStateCodec<ConfirmState>({ key: options.config.requestStateKey, ttlSeconds: 600 });
  const fixtures = options.conformanceFixtures ?? conformanceFixturesRequested();
  const subscribable = options.counter !== undefined || fixtures;
  const requestState = { verify: confirmCodec.verify };
  const serverOptions = {
    // A 2025-era server announces changes only on a session's GET stream (the conformance fixtures
    // stand in for one); a 2026-era server only on subscriptions/listen streams, which need the bus.
    legacy: { capabilities: capabilities(subscribable, subscribable), requestState },
    modern: { capabilities: capabilities(subscribable, options.changes !== undefined), requestState },
  };
  const info = { name: 'mcp-on-aws', version: options.instance.version };

  return ({ era }) => {
    const server = new McpServer(info, serverOptions[era]);
    const ctx: ToolContext = { era, instance: options.instance, confirmCodec, counter: options.counter, changes: options.changes };
    registerPing(server, ctx);
    registerEcho(server);
    registerCountdown(server);
    registerConfirmAction(server, ctx);
    registerInstanceResource(server, ctx);
    registerPrompt(server);
    if (ctx.counter || fixtures) {
      const subscriptions = new Subscriptions(server, (uri) => (ctx.counter !== undefined && uri === COUNTER_URI) || (fixtures && uri.startsWith('test://')));
      if (ctx.counter) registerCounter(server, registerCounterReader(server, ctx.counter), subscriptions);
    }
    if (fixtures) registerConformanceFixtures(server, ctx);
    return server;
  };
}

/**
 * `createMcpHandler` over the shared factory, both on one change-event bus, so what the servers
 * announce reaches the handler's `subscriptions/listen` streams. The bus is in-process: a listen
 * stream hears the changes of the task it is connected to.
 */
export function createListeningMcpHandler(options: Omit<ServerOptions, 'changes'>, handlerOptions: Omit<CreateMcpHandlerOptions, 'bus'> = {}): McpHttpHandler {
  const changes = new InMemoryServerEventBus();
  return createMcpHandler(createServerFactory({ ...options, changes }), { ...handlerOptions, bus: changes });
}

/** `listChanged: false` keeps the SDK from claiming it by default once a tool, resource or prompt is registered. */
function capabilities(subscribable: boolean, listChanged: boolean): ServerCapabilities {
  return {
    tools: { listChanged },
    resources: subscribable && listChanged ? { subscribe: true, listChanged } : { listChanged },
    prompts: { listChanged },
    logging: {},
  };
}
