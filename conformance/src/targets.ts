/**
 * Every server mode the samples deploy, started from its own entry point with the fixtures on:
 * the stateless ECS server, the Lambda handler behind its local API Gateway, and the stateful
 * server alone and as three tasks behind the local sticky balancer.
 */
import { randomBytes } from 'node:crypto';

import { listeningUrl, startEntry, type Child } from './processes';

export interface Target {
  name: string;
  /** What runs, in one line for the table's legend. */
  shape: string;
  start(): Promise<{ mcpUrl: string; stop(): Promise<void> }>;
}

const single = (entry: string) => async () => {
  const child = await startEntry(entry, {}, listeningUrl);
  return { mcpUrl: `${child.url}/mcp`, stop: child.stop };
};

export const TARGETS: Target[] = [
  {
    name: 'stateless-ecs',
    shape: 'stateless-mcp-on-ecs/src/server.ts (Express, createMcpHandler)',
    start: single('stateless-mcp-on-ecs/src/server.ts'),
  },
  {
    name: 'stateless-lambda',
    shape: 'stateless-mcp-on-lambda/src/local.ts (the Lambda handler behind the local API Gateway, stage "local")',
    // Its listening line's url is the stage's base URL, http://127.0.0.1:<port>/local.
    start: single('stateless-mcp-on-lambda/src/local.ts'),
  },
  {
    name: 'stateful-ecs',
    shape: 'stateful-mcp-on-ecs/src/main.ts, one instance',
    start: single('stateful-mcp-on-ecs/src/main.ts'),
  },
  {
    name: 'stateful-ecs-x3',
    shape: 'three stateful-mcp-on-ecs/src/main.ts behind stateful-mcp-on-ecs/balancer/main.ts (AWSALB cookie)',
    async start() {
      const started: Child[] = [];
      const stop = async () => void (await Promise.all(started.splice(0).reverse().map((child) => child.stop())));
      // Like the deployed tasks, all three verify each other's requestState with one shared key.
      const env = { MCP_REQUEST_STATE_KEY: randomBytes(32).toString('base64') };
      try {
        for (let i = 0; i < 3; i++) started.push(await startEntry('stateful-mcp-on-ecs/src/main.ts', env, listeningUrl));
        const targets = started.map((child) => child.url).join(',');
        started.push(await startEntry('stateful-mcp-on-ecs/balancer/main.ts', { BALANCER_TARGETS: targets }, listeningUrl));
        return { mcpUrl: `${started[started.length - 1]!.url}/mcp`, stop };
      } catch (error) {
        await stop();
        throw error;
      }
    },
  },
];
