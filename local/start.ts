/**
 * `npm start`: the three samples on loopback, with no Docker and no AWS.
 *
 * - stateless-mcp-on-lambda: the Lambda handler behind the local API Gateway emulator;
 * - stateless-mcp-on-ecs: three server processes behind a round-robin balancer (the ALB);
 * - stateful-mcp-on-ecs: three server processes behind the AWSALB-sticky balancer, with their
 *   sessions in DynamoDB (dynalite, in this process).
 *
 * Every server is a real child process, as a task or an execution environment would be, and all
 * instances of a sample share one requestState key, as a deployment does. `npm start -- <sample>`
 * runs one. Ctrl-C (or SIGTERM) drains every child and exits.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { integerSetting } from '@mcp-on-aws/shared';

import { startBalancer, type BalancerOptions } from './balancer';
import { startDynalite } from './dynalite';
import { startServerProcess, startServerProcesses, type ServerProcess } from './processes';

const root = join(__dirname, '..');

interface Running {
  endpoint: string;
  stop(): Promise<void>;
}

interface Sample {
  /** The environment variable that moves its port. */
  portVariable: string;
  defaultPort: number;
  what: string;
  /** What the banner's `npm run client` line adds after `--`, for this local shape. */
  clientOptions?: string;
  /** What the banner's `npm run inspector` line adds after `--method tools/list`. */
  inspectorOptions?: string;
  start(port: number, env: NodeJS.ProcessEnv): Promise<Running>;
}

/** Tasks per ECS sample, as the stacks' default desiredCount. */
const INSTANCES = 3;

const samples: Record<string, Sample> = {
  'stateless-mcp-on-lambda': {
    portVariable: 'LAMBDA_PORT',
    defaultPort: 3001,
    what: 'Lambda handler behind the local API Gateway',
    async start(port, env) {
      const api = await startServerProcess(join(__dirname, 'api-gateway.ts'), { ...env, PORT: String(port) });
      return { endpoint: `${api.url}/mcp`, stop: () => stopAll([api]) };
    },
  },
  'stateless-mcp-on-ecs': {
    portVariable: 'STATELESS_PORT',
    defaultPort: 3002,
    what: `${INSTANCES} processes behind a round-robin balancer`,
    clientOptions: `--expect-instances=${INSTANCES}`,
    start: (port, env) => startCluster('stateless-mcp-on-ecs/src/main.ts', env, { port }),
  },
  'stateful-mcp-on-ecs': {
    portVariable: 'STATEFUL_PORT',
    defaultPort: 3003,
    what: `${INSTANCES} processes behind the AWSALB-sticky balancer, sessions in DynamoDB (dynalite)`,
    // The Inspector keeps no cookies, so its 2025-era session would not stick to one process.
    inspectorOptions: '--protocol-era modern',
    async start(port, env) {
      // One in-process dynalite for the three servers, so a session survives losing its process.
      const dynamo = await startDynalite();
      const sessions = {
        MCP_SESSION_TABLE: 'mcp-sessions',
        MCP_DYNAMODB_ENDPOINT: dynamo.endpoint,
        // The AWS SDK warns each process that it will need Node 22 from 2027; the images already run 22.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
      const cluster = await startCluster('stateful-mcp-on-ecs/src/main.ts', { ...env, ...sessions }, { port, sticky: true }).catch(async (error: unknown) => {
        await dynamo.stop();
        throw error;
      });
      return { endpoint: cluster.endpoint, stop: () => cluster.stop().then(dynamo.stop) };
    },
  },
};

/** Server processes, as tasks, behind a balancer that stands in for the ALB. */
async function startCluster(entry: string, env: NodeJS.ProcessEnv, options: Omit<BalancerOptions, 'targets'>): Promise<Running> {
  const servers = await startServerProcesses(INSTANCES, join(root, entry), env);
  const balancer = await startBalancer({ ...options, targets: servers.map((s) => s.url) }).catch(async (error: unknown) => {
    await stopAll(servers);
    throw error;
  });
  return { endpoint: `${balancer.url}/mcp`, stop: async () => void (await Promise.all([balancer.stop(), stopAll(servers)])) };
}

async function stopAll(servers: ServerProcess[]): Promise<void> {
  await Promise.all(servers.map((s) => s.stop('SIGTERM')));
}

/** Fails with the port's name before anything starts, rather than half-way through. */
async function assertFree(port: number, variable: string): Promise<void> {
  const probe = createServer().listen(port, '127.0.0.1');
  try {
    await once(probe, 'listening');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${(error as Error).message})`;
    throw new Error(`port ${port} ${reason}; set ${variable} to another port`);
  } finally {
    probe.close();
  }
}

function portOf(sample: Sample): number {
  return integerSetting(sample.portVariable, process.env[sample.portVariable], { fallback: sample.defaultPort, min: 1, max: 65_535 });
}

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !(n in samples));
  if (unknown.length) throw new Error(`unknown sample ${unknown.join(', ')}; choose from ${Object.keys(samples).join(', ')}`);
  const chosen = names.length ? names : Object.keys(samples);

  const ports = new Map(chosen.map((name) => [name, portOf(samples[name]!)]));
  for (const [name, port] of ports) await assertFree(port, samples[name]!.portVariable);

  // One key per run, shared by every instance, so a confirm_action retry may land anywhere.
  const env = { MCP_REQUEST_STATE_KEY: process.env.MCP_REQUEST_STATE_KEY ?? randomBytes(32).toString('base64') };
  const running: Running[] = [];
  const stop = async () => void (await Promise.allSettled(running.map((r) => r.stop())));
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));

  try {
    for (const name of chosen) running.push(await samples[name]!.start(ports.get(name)!, env));
  } catch (error) {
    await stop();
    throw error;
  }

  process.stdout.write(banner(chosen.map((name, i) => ({ name, sample: samples[name]!, endpoint: running[i]!.endpoint }))));
}

/** What runs where, and the commands to try each sample: every one of them works as printed (local/test/start.test.ts runs them). */
function banner(started: Array<{ name: string; sample: Sample; endpoint: string }>): string {
  return [
    'MCP servers on loopback:',
    ...started.map(({ name, sample, endpoint }) => `  ${name.padEnd(25)} ${endpoint.padEnd(36)} ${sample.what}`),
    '',
    'Try them (each client checks every answer, and exits 1 on a wrong one):',
    ...started.map(({ name, sample, endpoint }) => `  MCP_SERVER_URL=${endpoint} npm run client -w ${name}${sample.clientOptions ? ` -- ${sample.clientOptions}` : ''}`),
    '',
    'List their tools with the MCP Inspector (on its own Node 22, installed into conformance/tools on first use):',
    ...started.map(({ sample, endpoint }) => `  npm run inspector -- ${endpoint} --method tools/list${sample.inspectorOptions ? ` ${sample.inspectorOptions}` : ''}`),
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

main().catch((error: Error) => {
  process.stderr.write(`npm start: ${error.message}\n`);
  process.exit(1);
});
