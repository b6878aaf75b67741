/**
 * The stateful MCP server as a process: one per Fargate task, or three behind the local sticky
 * balancer. 2025-era sessions live in this process's memory, so the load balancer must keep a
 * client on the task that holds its session (ALB `lb_cookie` stickiness), and without
 * `MCP_SESSION_TABLE` a lost task loses its sessions; with it, sessions live in DynamoDB and any
 * task can take one over. 2026-era requests need no session and go anywhere.
 * The wiring is in `app.ts`, the session table in `sessions.ts`; see ../README.md.
 */
import { detectInstance, loadConfig, runServer } from '@mcp-on-aws/shared';

import { createStatefulServer } from './app';
import { loadSessionConfig } from './session-config';
import { storesFromEnv } from './stores';

const config = loadConfig();
const instance = detectInstance();
const sessionConfig = loadSessionConfig();

runServer(
  async () => {
    const server = createStatefulServer({ config, sessionConfig, instance, stores: await storesFromEnv(sessionConfig, instance) });
    return { app: server.app, onShutdown: server.close };
  },
  { config, instance },
);
