/**
 * Stateless MCP on Fargate: one Express process per task, any task answers any request.
 *
 * Each POST builds a fresh `McpServer` from the shared factory and forgets it after the answer,
 * so the ALB can round-robin freely and the service scales out and in without draining sessions.
 * What it gives up: no `Mcp-Session-Id`, so no 2025-era GET stream, no server push outside a
 * request and no 2025-era elicitation (2026-era clients still get `input_required`). The SDK
 * answers 2025-era GET and DELETE with 405.
 *
 * The tools live in `shared/src/tools`, the HTTP shell (health, guards, logs, drain) in
 * `shared/src/http`; this file only wires them.
 */
import { createMcpHandler } from '@modelcontextprotocol/server';
import { createMcpApp, createServerFactory, detectInstance, exitOnSignals, expressMcpHandler, jsonLogger, loadConfig, serve } from '@mcp-on-aws/shared';

const config = loadConfig();
const instance = detectInstance();
const mcp = createMcpHandler(createServerFactory({ instance, config }));
const app = createMcpApp({ config, instance, mcp: expressMcpHandler(mcp, config.maxBodyBytes) });

// HOST defaults to loopback so a laptop run is not exposed; the Dockerfile sets 0.0.0.0.
serve(app, {
  port: Number(process.env.PORT ?? 8080),
  host: process.env.HOST ?? '127.0.0.1',
  deadlineMs: config.shutdownDeadlineMs,
  onShutdown: () => mcp.close(),
}).then(
  (serving) => {
    exitOnSignals(serving);
    jsonLogger({ msg: 'listening', url: serving.url, instance: instance.id });
  },
  (error: Error) => {
    jsonLogger({ msg: 'cannot listen', level: 'error', error: error.message });
    process.exit(1);
  },
);
