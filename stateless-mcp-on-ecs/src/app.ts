/**
 * The stateless HTTP app: one server factory, one handler, one Express app with `/mcp`.
 *
 * A request's way: Express (`/health`, then the Host/Origin guard, the JSON body limit and the
 * JSON-RPC errors of `createMcpApp`) hands the parsed body to `createMcpHandler`, which serves it on
 * an `McpServer` of the request's protocol era: an idle one that the last request left clean, or a
 * new one from the shared factory (`shared/src/server-pool.ts`). Nothing of a request outlives it
 * but what it sent to the change-event bus that 2026-era `subscriptions/listen` streams follow, and
 * that only reaches this task's streams.
 */
import {
  createMcpApp,
  createMcpHandlerWithChanges,
  expressMcpHandler,
  type Config,
  type Instance,
  type Logger,
  type ServerExtension,
  type ServerParts,
} from '@mcp-on-aws/shared';

export interface StatelessAppOptions {
  config: Config;
  instance: Instance;
  /** More tools on every server; the conformance runner adds its fixtures here. */
  extensions?: ServerExtension[];
  log?: Logger;
}

export function createStatelessApp({ config, instance, extensions, log }: StatelessAppOptions): ServerParts {
  const mcp = createMcpHandlerWithChanges({ instance, config, extensions }, { keepAliveMs: config.sseKeepAliveMs });
  // Stateless: GET and DELETE get the SDK's 405 too, so a 405 for any other verb allows only POST.
  const app = createMcpApp({ config, instance, mcp: expressMcpHandler(mcp, config.maxBodyBytes), allow: 'POST', log });
  // On SIGTERM, after the drain: ends the listen streams this task still holds.
  return { app, onShutdown: () => mcp.close() };
}
