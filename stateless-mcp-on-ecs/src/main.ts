/**
 * Stateless MCP on Fargate: one Express process per task, any task answers any request.
 *
 * Each POST is served on a server that holds nothing of any earlier request (`./app.ts`), so the
 * ALB can round-robin freely and the service scales out and in without draining sessions. What it
 * gives up: no `Mcp-Session-Id`, so no 2025-era GET stream, no server push outside a request and
 * no 2025-era elicitation (2026-era clients still get `input_required`). The SDK answers 2025-era
 * GET and DELETE with 405.
 *
 * The tools live in `shared/src/tools`, the HTTP shell (health, guards, logs, drain) in
 * `shared/src/http`, the stack in `../infra`.
 */
import { detectInstance, loadConfig, runServer } from '@mcp-on-aws/shared';

import { createStatelessApp } from './app';

const config = loadConfig();
const instance = detectInstance();

// Listens on PORT (8080) and HOST (loopback; shared/Dockerfile sets 0.0.0.0), drains on SIGTERM.
runServer(() => createStatelessApp({ config, instance }), { config, instance });
