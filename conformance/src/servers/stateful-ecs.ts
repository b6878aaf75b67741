/**
 * The stateful server as `stateful-mcp-on-ecs/src/main.ts` builds it, plus the conformance fixtures:
 * the same app, session settings, session store (durable with `MCP_SESSION_TABLE`) and process
 * shell, one extension aside.
 */
import { detectInstance, loadConfig, runServer } from '@mcp-on-aws/shared';

import { createStatefulServer } from '../../../stateful-mcp-on-ecs/src/app';
import { durableSessionStoreFromEnv } from '../../../stateful-mcp-on-ecs/src/durable/durable-session-store';
import { loadSessionConfig } from '../../../stateful-mcp-on-ecs/src/session-config';
import { conformanceFixtures } from '../fixtures';

const config = loadConfig();
const instance = detectInstance();
const sessionConfig = loadSessionConfig();

runServer(
  async () => createStatefulServer({ config, sessionConfig, instance, sessionStore: await durableSessionStoreFromEnv(process.env, sessionConfig, instance, config), extensions: [conformanceFixtures] }),
  { config, instance },
);
