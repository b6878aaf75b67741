/**
 * The stateful MCP server as a process: one per Fargate task, or three behind the local sticky
 * balancer. 2025-era sessions live in this process's memory, so the load balancer must keep a
 * client on the task that holds its session (ALB `lb_cookie` stickiness), and without
 * `MCP_SESSION_TABLE` a lost task loses its sessions; with it, sessions live in DynamoDB and any
 * task can take one over. 2026-era requests need no session and go anywhere.
 * The wiring is in `app.ts`, the session table in `sessions.ts`; see ../README.md.
 */
import { detectInstance, exitOnSignals, jsonLogger, loadConfig, serve } from '@mcp-on-aws/shared';

import { createStatefulServer } from './app';
import { loadSessionConfig } from './session-config';
import { storesFromEnv } from './stores';

const config = loadConfig();
const instance = detectInstance();
const sessionConfig = loadSessionConfig();

// HOST defaults to loopback so a laptop run is not exposed; the Dockerfile sets 0.0.0.0.
storesFromEnv(sessionConfig, instance).then((stores) => {
  const server = createStatefulServer({ config, sessionConfig, instance, stores });
  return serve(server.app, {
    port: Number(process.env.PORT ?? 8080),
    host: process.env.HOST ?? '127.0.0.1',
    deadlineMs: config.shutdownDeadlineMs,
    onShutdown: server.close,
  });
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
