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
 * runs one. `npm start -- --auth` first starts the local OAuth authorization server
 * (`./auth-server`) and turns authentication on in every sample, as the stacks do with Cognito.
 * Ctrl-C (or SIGTERM) drains every child and exits.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { integerSetting } from '@mcp-on-aws/shared';

import { MCP_SCOPE, startAuthServer } from './auth-server';
import { startBalancer, type BalancerOptions } from './balancer';
import { startDynalite } from './dynalite';
import { startServerProcess, startServerProcesses, type ServerProcess } from './processes';

const root = join(__dirname, '..');

interface Running {
  stop(): Promise<void>;
}

interface Sample {
  /** The environment variable that moves its port. */
  portVariable: string;
  defaultPort: number;
  /** Where its MCP endpoint is on that port: the API Gateway's stage comes first. */
  path: string;
  /**
   * Where its Protected Resource Metadata is, when not at the RFC 9728 path-inserted URL: API
   * Gateway serves nothing above the stage, so the Lambda stack sets `MCP_RESOURCE_METADATA_URL` too.
   */
  metadataPath?: string;
  what: string;
  /** What the banner's `npm run client` line adds after `--`, for this local shape. */
  clientOptions?: string;
  start(port: number, env: NodeJS.ProcessEnv): Promise<Running>;
}

/** Tasks per ECS sample, as the stacks' default desiredCount. */
const INSTANCES = 3;

const samples: Record<string, Sample> = {
  'stateless-mcp-on-lambda': {
    portVariable: 'LAMBDA_PORT',
    defaultPort: 3001,
    path: '/local/mcp',
    metadataPath: '/local/.well-known/oauth-protected-resource/mcp',
    what: 'Lambda handler behind the local API Gateway',
    async start(port, env) {
      const api = await startServerProcess(join(__dirname, 'api-gateway.ts'), { ...env, PORT: String(port) });
      return { stop: () => stopAll([api]) };
    },
  },
  'stateless-mcp-on-ecs': {
    portVariable: 'STATELESS_PORT',
    defaultPort: 3002,
    path: '/mcp',
    what: `${INSTANCES} processes behind a round-robin balancer`,
    clientOptions: `--expect-instances=${INSTANCES}`,
    start: (port, env) => startCluster('stateless-mcp-on-ecs/src/main.ts', env, { port }),
  },
  'stateful-mcp-on-ecs': {
    portVariable: 'STATEFUL_PORT',
    defaultPort: 3003,
    path: '/mcp',
    what: `${INSTANCES} processes behind the AWSALB-sticky balancer, sessions in DynamoDB (dynalite)`,
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
      return { stop: () => cluster.stop().then(dynamo.stop) };
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
  return { stop: async () => void (await Promise.all([balancer.stop(), stopAll(servers)])) };
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

const AUTH_PORT = { variable: 'AUTH_PORT', fallback: 3004 };

function portSetting(variable: string, fallback: number): number {
  return integerSetting(variable, process.env[variable], { fallback, min: 1, max: 65_535 });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const auth = args.includes('--auth');
  const names = args.filter((arg) => arg !== '--auth');
  const unknown = names.filter((n) => !(n in samples));
  if (unknown.length) throw new Error(`unknown sample ${unknown.join(', ')}; choose from ${Object.keys(samples).join(', ')} (and --auth)`);
  const chosen = names.length ? names : Object.keys(samples);

  const ports = new Map(chosen.map((name) => [name, portSetting(samples[name]!.portVariable, samples[name]!.defaultPort)]));
  for (const [name, port] of ports) await assertFree(port, samples[name]!.portVariable);
  const authPort = auth ? portSetting(AUTH_PORT.variable, AUTH_PORT.fallback) : undefined;
  if (authPort) await assertFree(authPort, AUTH_PORT.variable);
  const endpoints = new Map(chosen.map((name) => [name, urlOn(ports.get(name)!, samples[name]!.path)]));

  // One key per run, shared by every instance, so a confirm_action retry may land anywhere.
  const env = { MCP_REQUEST_STATE_KEY: process.env.MCP_REQUEST_STATE_KEY ?? randomBytes(32).toString('base64') };
  const running: Running[] = [];
  const stop = async () => void (await Promise.allSettled(running.map((r) => r.stop())));
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));

  let issuer: string | undefined;
  try {
    if (authPort) {
      const authServer = await startAuthServer({ port: authPort });
      running.push({ stop: authServer.close });
      issuer = authServer.issuer;
    }
    for (const name of chosen) {
      const sample = samples[name]!;
      running.push(await sample.start(ports.get(name)!, { ...env, ...(issuer && authEnv(issuer, endpoints.get(name)!, sample, ports.get(name)!)) }));
    }
  } catch (error) {
    await stop();
    throw error;
  }

  process.stdout.write(banner(chosen.map((name) => ({ name, sample: samples[name]!, endpoint: endpoints.get(name)! })), issuer));
}

const urlOn = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;

/** A sample's resource is `endpoint`, the URL the banner prints for it: its tokens' audience. */
function authEnv(issuer: string, endpoint: string, sample: Sample, port: number): NodeJS.ProcessEnv {
  return {
    MCP_AUTH_ISSUER: issuer,
    MCP_RESOURCE_URL: endpoint,
    MCP_AUTH_SCOPES: MCP_SCOPE,
    ...(sample.metadataPath && { MCP_RESOURCE_METADATA_URL: urlOn(port, sample.metadataPath) }),
  };
}

/**
 * What runs where, and the commands to try each sample: every one of them works as printed
 * (local/test/start.test.ts runs them). With authentication on, it names the authorization server
 * and the clients that sign in by themselves; the samples' own clients send no token.
 */
function banner(started: Array<{ name: string; sample: Sample; endpoint: string }>, issuer?: string): string {
  const inspector = started.map(({ endpoint }) => `  npm run inspector -- ${endpoint} --method tools/list`);
  const tryThem = issuer
    ? [
        `Authentication is on: each server wants an OAuth access token for its own URL above, with the scope ${MCP_SCOPE}, from the`,
        'local authorization server, which lets any client register, signs in one local user and consents at once:',
        `  issuer  ${issuer}`,
        '',
        'Connect the MCP Inspector: it registers itself, prints a sign-in URL and opens your browser on it, which comes straight back:',
        ...inspector,
        '  (its web UI, the same command without --method, signs in the same way when you connect; leave its OAuth Settings empty)',
        '',
        'Or give a stdio MCP client (Claude Desktop, say) mcp-remote as its command; it registers and signs in the same way:',
        ...started.map(({ endpoint }) => `  npx -y mcp-remote ${endpoint}`),
      ]
    : [
        'Try them (each client checks every answer, and exits 1 on a wrong one):',
        ...started.map(({ name, sample, endpoint }) => `  MCP_SERVER_URL=${endpoint} npm run client -w ${name}${sample.clientOptions ? ` -- ${sample.clientOptions}` : ''}`),
        '',
        'List their tools with the MCP Inspector (on its own Node 22, installed into conformance/tools on first use):',
        ...inspector,
      ];
  return [
    'MCP servers on loopback:',
    ...started.map(({ name, sample, endpoint }) => `  ${name.padEnd(25)} ${endpoint.padEnd(36)} ${sample.what}`),
    '',
    ...tryThem,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

main().catch((error: Error) => {
  process.stderr.write(`npm start: ${error.message}\n`);
  process.exit(1);
});
