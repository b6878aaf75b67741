import type { CreateMcpHandlerOptions, McpHttpHandler, McpServerFactory, RequestStateCodec, ServerCapabilities, ServerEventBus } from '@modelcontextprotocol/server';
import { InMemoryServerEventBus, McpServer, createMcpHandler, createRequestStateCodec } from '@modelcontextprotocol/server';

import type { Config } from './config';
import type { Instance } from './instance';
import { ParamsCheckingMcpServer } from './params-check';
import { ReusableMcpServer, reuseServers } from './server-pool';
import { serveSharedDefinitions } from './shared-definitions';
import { registerConfirmAction, type ConfirmState } from './tools/confirm-action';
import { registerCountdown } from './tools/countdown';
import { COUNTER_URI, registerCounterTools, type SessionCounter } from './tools/counter';
import { registerEcho } from './tools/echo';
import { registerInstanceResource } from './tools/instance-resource';
import { registerPing } from './tools/ping';
import { registerPrompt } from './tools/prompt';
import { Subscriptions } from './tools/subscriptions';

export type Era = 'legacy' | 'modern';

/** What every tool registration receives: fixed per deployment, except the era. */
export interface ToolContext {
  era: Era;
  instance: Instance;
  confirmCodec: RequestStateCodec<ConfirmState>;
  counter?: SessionCounter;
  changes?: ServerEventBus;
}

/**
 * More tools, resources or prompts on every server the factory builds: a sample's own (the stateful
 * sample's `ask_model`) or a test's (the conformance fixtures). `subscribable` names the resources of
 * its own that a 2025-era session may subscribe to; an extension with it makes the server announce
 * `resources.subscribe`. A handler must keep nothing on its server (no registering, no state of its
 * own): a stateless server serves one request after another (`./server-pool.ts`).
 */
export interface ServerExtension {
  register(server: McpServer, ctx: ToolContext): void;
  subscribable?(uri: string): boolean;
}

export interface ServerOptions {
  instance: Instance;
  config: Pick<Config, 'requestStateKey'>;
  /** Present only where the deployment has sessions: the session-scoped counter lives here. */
  counter?: SessionCounter;
  /**
   * The change-event bus this deployment's 2026-era `subscriptions/listen` streams follow: pass the
   * same one to `createMcpHandler({ bus })`. Without it the deployment holds no listen stream (Lambda),
   * so its 2026 era advertises no list-change or subscription capability.
   */
  changes?: ServerEventBus;
  /** More tools, resources or prompts on every server: the stateful sample's `ask_model`, the conformance fixtures. */
  extensions?: ServerExtension[];
  /**
   * Stateless serving only: hand a server that finished its exchange cleanly to the next request of
   * its era instead of building one per request (`./server-pool.ts`). Never with sessions, whose
   * server is the session.
   */
  reuse?: boolean;
  /**
   * For servers held for a session's life (one per session): the session-independent tools,
   * resources and prompt are registered once per era and every server serves the same ones
   * (`shared-definitions.ts`), which saves about 6 KB of live heap a session. Off, every server
   * registers its own, as a server built per request does.
   */
  shareDefinitions?: boolean;
}

/**
 * Returns the one server factory all three samples use. Without `reuse` it builds a server on every
 * call, so everything expensive (the codec, schemas, tool metadata, the contexts) is built outside it.
 */
export function createServerFactory({ instance, config, counter, changes, extensions = [], reuse = false, shareDefinitions = false }: ServerOptions): McpServerFactory {
  if (reuse && counter) throw new Error('A session counter lives on its session\'s server: servers with one are never reused');
  const confirmCodec = createRequestStateCodec<ConfirmState>({ key: config.requestStateKey, ttlSeconds: 600 });
  const rules = extensions.flatMap((extension) => (extension.subscribable ? [extension.subscribable.bind(extension)] : []));
  const subscribable = counter !== undefined || rules.length > 0;
  const canSubscribe = (uri: string) => (counter !== undefined && uri === COUNTER_URI) || rules.some((rule) => rule(uri));
  const requestState = { verify: confirmCodec.verify };
  const serverOptions = {
    // A 2025-era server announces changes only on a session's GET stream (a subscribable extension
    // stands in for one); a 2026-era server only on subscriptions/listen streams, which need the bus.
    legacy: { capabilities: capabilities(subscribable, subscribable), requestState },
    modern: { capabilities: capabilities(subscribable, changes !== undefined), requestState },
  };
  const contexts: Record<Era, ToolContext> = {
    legacy: { era: 'legacy', instance, confirmCodec, counter, changes },
    modern: { era: 'modern', instance, confirmCodec, counter, changes },
  };
  const info = { name: 'mcp-on-aws', version: instance.version };
  const templates: Partial<Record<Era, McpServer>> = {};
  const template = (era: Era) => (templates[era] ??= registerSessionIndependent(new ParamsCheckingMcpServer(info, serverOptions[era], era), contexts[era]));

  const register = <S extends McpServer>(server: S, era: Era): S => {
    const ctx = contexts[era];
    if (shareDefinitions) serveSharedDefinitions(server, template(era));
    else registerSessionIndependent(server, ctx);
    if (subscribable) {
      const subscriptions = new Subscriptions(server, canSubscribe);
      if (counter) registerCounterTools(server, counter, subscriptions);
    }
    for (const extension of extensions) extension.register(server, ctx);
    return server;
  };
  if (reuse) return reuseServers((era) => register(new ReusableMcpServer(info, serverOptions[era], era), era));
  return ({ era }) => register(new ParamsCheckingMcpServer(info, serverOptions[era], era), era);
}

/** The tools, resources and prompt whose handlers depend only on the era and the request: the ones servers can share. */
function registerSessionIndependent(server: McpServer, ctx: ToolContext): McpServer {
  registerPing(server, ctx);
  registerEcho(server);
  registerCountdown(server);
  registerConfirmAction(server, ctx);
  registerInstanceResource(server, ctx);
  registerPrompt(server);
  return server;
}

/**
 * `createMcpHandler` over the shared factory, both on one change-event bus, so what the servers
 * announce reaches the handler's `subscriptions/listen` streams. The bus is in-process: a listen
 * stream hears the changes of the task it is connected to. The SDK holds at most
 * `maxListenStreams` of them; `createMcpApp`'s stream limits refuse the next one first, with 503.
 * Every request here is stateless, so the handler reuses its servers.
 */
export function createMcpHandlerWithChanges(
  options: Omit<ServerOptions, 'changes' | 'config' | 'counter' | 'reuse'> & { config: Pick<Config, 'requestStateKey' | 'maxListenStreams'> },
  handlerOptions: Omit<CreateMcpHandlerOptions, 'bus' | 'maxSubscriptions'> = {},
): McpHttpHandler {
  const changes = new InMemoryServerEventBus();
  return createMcpHandler(createServerFactory({ ...options, changes, reuse: true }), { ...handlerOptions, maxSubscriptions: options.config.maxListenStreams, bus: changes });
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
