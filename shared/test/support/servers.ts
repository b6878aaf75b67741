import { randomUUID } from 'node:crypto';

import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { isInitializeRequest, type McpServerFactory } from '@modelcontextprotocol/server';
import type { RequestHandler } from 'express';

import { createMcpApp, createMcpHandlerWithChanges, createServerFactory, detectInstance, expressMcpHandler, loadConfig, MemoryCounter, serve, type Config, type ServerExtension, type Serving } from '../../src';

export const quiet = () => {};

/** A stateless server on an ephemeral loopback port, wired the way the stateless samples wire it. */
export async function startStateless(env: NodeJS.ProcessEnv = {}, deadlineMs = 2_000, extensions: ServerExtension[] = []): Promise<Serving & { config: Config }> {
  const config = loadConfig(env);
  const instance = detectInstance({});
  const mcp = createMcpHandlerWithChanges({ instance, config, extensions });
  const app = createMcpApp({ config, instance, mcp: expressMcpHandler(mcp, config.maxBodyBytes), allow: 'POST', log: quiet });
  const serving = await serve(app, { port: 0, host: '127.0.0.1', deadlineMs, onShutdown: () => mcp.close(), log: quiet });
  return { ...serving, config };
}

/**
 * The smallest sessionful 2025-era server: one transport per session, in memory. It exists to test
 * the shared tools on sessions; the stateful sample is the real one.
 */
export async function startSessionful(): Promise<Serving> {
  const config = loadConfig({});
  const instance = detectInstance({});
  const factory: McpServerFactory = createServerFactory({ instance, config, counter: new MemoryCounter() });
  const sessions = new Map<string, NodeStreamableHTTPServerTransport>();
  const mcp: RequestHandler = async (req, res) => {
    const id = req.headers['mcp-session-id'] as string | undefined;
    let transport = id ? sessions.get(id) : undefined;
    if (!transport && !id && isInitializeRequest(req.body)) {
      const created = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, onsessioninitialized: (sid) => void sessions.set(sid, created) });
      await (await factory({ era: 'legacy' })).connect(created);
      transport = created;
    }
    if (!transport) return void res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
    await transport.handleRequest(req, res, req.body);
  };
  const app = createMcpApp({ config, instance, mcp, log: quiet });
  return serve(app, {
    port: 0,
    host: '127.0.0.1',
    deadlineMs: 2_000,
    onShutdown: async () => void (await Promise.all([...sessions.values()].map((t) => t.close()))),
    log: quiet,
  });
}
