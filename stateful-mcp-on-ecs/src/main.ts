/**
 * The stateful MCP server as a process: one per Fargate task, or three behind the local sticky
 * balancer. 2025-era sessions live in this process's memory, so the load balancer keeps a client
 * on the task that holds its session (ALB `lb_cookie` stickiness); 2026-era requests need no
 * session and go anywhere. Without `MCP_SESSION_TABLE` a lost task loses its sessions, and a
 * client without the cookie loses them at once; with it, they also live in DynamoDB (`durable/`):
 * a request for another task's session is forwarded there, and any task can adopt a dead one's.
 * The HTTP app is `app.ts`, the live sessions `sessions.ts`; see ../README.md.
 */
import { detectInstance, loadConfig, MetricSink, runServer } from '@mcp-on-aws/shared';

import { createStatefulServer } from './app';
import { loadSessionConfig } from './session-config';

const config = loadConfig();
const instance = detectInstance();
const sessionConfig = loadSessionConfig();
// One sink for the sessions and the store: `LiveSessions`, new sessions, takeovers, forwards, store calls.
const metrics = new MetricSink(config.metrics);

// Without MCP_SESSION_TABLE there is no durable store: plain sticky sessions, in memory. With it and a shared
// MCP_REQUEST_STATE_KEY, the store forwards requests between instances (durable/forwarding.ts).
// Imported only with a table: the image's build puts it in a chunk of its own (the DynamoDB client, undici),
// which a memory-mode process never loads (BENCHMARKS.md, issue #18).
async function durableStore() {
  if (!process.env.MCP_SESSION_TABLE) return undefined;
  const { durableSessionStoreFromEnv } = await import('./durable/durable-session-store');
  return durableSessionStoreFromEnv(process.env, sessionConfig, instance, config, metrics);
}

// Listens on PORT (8080) and HOST (loopback; the Dockerfile sets 0.0.0.0), drains on SIGTERM.
runServer(
  async () => createStatefulServer({ config, sessionConfig, instance, metrics, sessionStore: await durableStore() }),
  { config, instance },
);
