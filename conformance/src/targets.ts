/**
 * Every server mode the samples deploy, started from its own entry point with the fixtures on:
 * the stateless ECS server, the Lambda handler behind its local API Gateway, and the stateful
 * server alone and as three tasks behind the local sticky balancer.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import { startServerProcess, startServerProcesses, type ServerProcess } from '../../shared/test-support/processes';
import { startCookieProxy } from './cookie-proxy';

const REPO = join(__dirname, '..', '..');
/** The only thing the runner adds to a sample's environment, so each runs exactly as `npm start` runs it. */
const FIXTURES = { MCP_CONFORMANCE_FIXTURES: '1' };
const start = (entry: string, env: NodeJS.ProcessEnv = {}) => startServerProcess(join(REPO, entry), { ...FIXTURES, ...env });
const stopAll = async (children: ServerProcess[]) => void (await Promise.all(children.map((child) => child.stop())));

export interface Target {
  name: string;
  /** What runs, in one line for the table's legend. */
  shape: string;
  start(): Promise<{ mcpUrl: string; stop(): Promise<void> }>;
}

const single = (entry: string) => async () => {
  const child = await start(entry);
  return { mcpUrl: `${child.url}/mcp`, stop: () => stopAll([child]) };
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
    shape: 'three stateful-mcp-on-ecs/src/main.ts behind stateful-mcp-on-ecs/balancer/main.ts (AWSALB cookie), reached through a cookie-keeping proxy',
    async start() {
      // Like the deployed tasks, all three verify each other's requestState with one shared key.
      const servers = await startServerProcesses(3, join(REPO, 'stateful-mcp-on-ecs/src/main.ts'), { ...FIXTURES, MCP_REQUEST_STATE_KEY: randomBytes(32).toString('base64') });
      const started: ServerProcess[] = [...servers];
      try {
        const balancer = await start('stateful-mcp-on-ecs/balancer/main.ts', { BALANCER_TARGETS: servers.map((s) => s.url).join(',') });
        started.push(balancer);
        // The suites and the Inspector keep no cookies; the proxy keeps the AWSALB cookie for them, as a real client must.
        const proxy = await startCookieProxy(balancer.url);
        return { mcpUrl: `${proxy.url}/mcp`, stop: async () => void (await Promise.all([proxy.close(), stopAll(started)])) };
      } catch (error) {
        await stopAll(started);
        throw error;
      }
    },
  },
];
