/**
 * Every server mode the samples deploy, each started from a conformance entry (`./servers`) that
 * builds the sample's own app, as its `src/main.ts` does, with the fixtures added: the stateless ECS
 * server, the Lambda handler behind its local API Gateway, and the stateful server alone and as
 * three tasks behind the local sticky balancer.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import { startServerProcess, startServerProcesses, type ServerProcess } from '../../local/processes';

const REPO = join(__dirname, '..', '..');
const start = (entry: string, env: NodeJS.ProcessEnv = {}) => startServerProcess(join(REPO, entry), env);
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
    shape: 'stateless-mcp-on-ecs/src/app.ts (Express, createMcpHandler)',
    start: single('conformance/src/servers/stateless-ecs.ts'),
  },
  {
    name: 'stateless-lambda',
    shape: 'stateless-mcp-on-lambda/src/main.ts (the Lambda handler behind local/api-gateway.ts, stage "local")',
    // Its listening line's url is the stage's base URL, http://127.0.0.1:<port>/local.
    start: single('conformance/src/servers/stateless-lambda.ts'),
  },
  {
    name: 'stateful-ecs',
    shape: 'stateful-mcp-on-ecs/src/app.ts, one instance',
    start: single('conformance/src/servers/stateful-ecs.ts'),
  },
  {
    name: 'stateful-ecs-x3',
    shape: 'three stateful-mcp-on-ecs/src/app.ts behind local/balancer.ts (AWSALB cookie), which keeps the cookie for its clients',
    async start() {
      // Like the deployed tasks, all three verify each other's requestState with one shared key.
      const servers = await startServerProcesses(3, join(REPO, 'conformance/src/servers/stateful-ecs.ts'), { MCP_REQUEST_STATE_KEY: randomBytes(32).toString('base64') });
      try {
        // The suites and the Inspector keep no cookies; the balancer keeps the AWSALB cookie for them, as a real client must.
        const balancer = await start('local/balancer.ts', { BALANCER_TARGETS: servers.map((s) => s.url).join(','), BALANCER_STICKY: '1', BALANCER_KEEP_COOKIES: '1' });
        return { mcpUrl: `${balancer.url}/mcp`, stop: () => stopAll([...servers, balancer]) };
      } catch (error) {
        await stopAll(servers);
        throw error;
      }
    },
  },
];
