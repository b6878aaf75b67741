/**
 * What sessions cost, measured against the stateless ECS server in the same run:
 * - memory per idle session: RSS growth over 1,000 sessions, each holding a GET stream;
 * - sessions created per second (initialize + notifications/initialized, 20 at a time);
 * - `tools/call echo` throughput inside one session, as a ratio to the stateless server's.
 * Each server is its own process and runs as it ships: the bundle shared/Dockerfile builds, with
 * the Node flags of its CMD. The load runs here. Throughput alternates between the two
 * servers in short rounds, so a neighbour's burst on a shared machine hits both alike.
 *
 *   npm run bench -w stateful-mcp-on-ecs          (BENCH_SECONDS=10 by default: the load time per server)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request, type ClientRequest } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

import autocannon from 'autocannon';

import { startServerProcess, type ServerProcess } from '../../local/processes';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = 20;
const idleSessions = 1_000;
// One bench client plays thousands of clients from 127.0.0.1: the per-client limits would refuse it.
const env = { MCP_ALLOWED_HOSTS: '127.0.0.1', MCP_MAX_SESSIONS: '100000', MCP_NEW_SESSIONS_PER_CLIENT_PER_MINUTE: '1000000', MCP_MAX_STREAMS_PER_CLIENT: '100000' };
const repo = join(__dirname, '../..');

/** Builds the workspace's bundle as shared/Dockerfile does, and returns it with the Node flags of its CMD. */
function shipped(workspace: string): { bundle: string; nodeOptions: string } {
  execFileSync('npm', ['run', 'build', '--workspace', workspace], { cwd: repo, stdio: 'ignore' });
  const cmd = readFileSync(join(repo, 'shared/Dockerfile'), 'utf8').match(/^CMD (\[.*\])$/m);
  if (!cmd) throw new Error('shared/Dockerfile has no exec-form CMD');
  const [node, ...args] = JSON.parse(cmd[1]!) as string[];
  if (node !== 'node') throw new Error('shared/Dockerfile does not run node');
  return { bundle: join(repo, workspace, 'dist', args.pop()!), nodeOptions: args.join(' ') };
}

const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const echo = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hello' } } });
const initialize = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } });
const initialized = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });

async function openSession(mcp: string): Promise<Record<string, string>> {
  const init = await fetch(mcp, { method: 'POST', headers: json, body: initialize });
  await init.text();
  const id = init.headers.get('mcp-session-id');
  if (!init.ok || !id) throw new Error(`initialize failed: ${init.status}`);
  const session = { ...json, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' };
  const ack = await fetch(mcp, { method: 'POST', headers: session, body: initialized });
  await ack.text();
  return session;
}

async function echoRate(mcp: string, headers: Record<string, string>): Promise<number> {
  const probe = await fetch(mcp, { method: 'POST', headers, body: echo });
  if (!probe.ok || !(await probe.text()).includes('hello')) throw new Error(`probe failed: ${probe.status}`);
  const result = await autocannon({ url: mcp, method: 'POST', headers, body: echo, connections, duration: Math.max(1, Math.round(seconds / 3)) });
  if (result.non2xx || result.errors) throw new Error(`${result.non2xx} non-2xx answers and ${result.errors} errors`);
  return result.requests.average;
}

async function sessionsPerSecond(mcp: string): Promise<number> {
  const until = Date.now() + seconds * 1_000;
  let created = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < until) {
        await openSession(mcp);
        created++;
      }
    }),
  );
  return created / seconds;
}

interface Memory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
}

/**
 * Growth per session with a GET stream, each reading taken on an idle process after a full GC
 * (gc-server.ts): over the first 1,000 sessions of a fresh process, which also pays V8's one-off
 * growth, and over the next 1,000, the marginal cost. RSS is what the task pays; the live heap is
 * what the sessions hold; the V8 heap is what V8 has committed to hold it (live objects, and the
 * free space between them on partly used pages).
 */
async function perIdleSession(server: ServerProcess): Promise<{ first: Memory; next: Memory }> {
  const mcp = `${server.url}/mcp`;
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const streams: ClientRequest[] = [];
  const lines = createInterface({ input: server.child.stdout! });
  const settle = async (): Promise<Memory> => {
    const reading = new Promise<Memory>((resolve) => lines.on('line', (line) => line.includes('"memory"') && resolve(JSON.parse(line))));
    server.child.kill('SIGUSR2');
    return reading;
  };
  const openMany = async () => {
    for (let i = 0; i < idleSessions; i += connections) {
      const batch = await Promise.all(Array.from({ length: connections }, () => openSession(mcp)));
      streams.push(...(await Promise.all(batch.map((session) => openStream(mcp, session, agent)))));
    }
    await sleep(500);
  };
  const per = (a: Memory, b: Memory): Memory => {
    const kb = (key: keyof Memory) => (b[key] - a[key]) / 1024 / idleSessions;
    return { rss: kb('rss'), heapTotal: kb('heapTotal'), heapUsed: kb('heapUsed') };
  };
  for (let i = 0; i < 50; i++) await openSession(mcp); // warm up code paths before the baseline
  const before = await settle();
  await openMany();
  const first = await settle();
  await openMany();
  const last = await settle();
  streams.forEach((s) => s.destroy());
  agent.destroy();
  return { first: per(before, first), next: per(first, last) };
}

function openStream(mcp: string, session: Record<string, string>, agent: Agent): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = request(mcp, { method: 'GET', agent, headers: { ...session, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`GET stream answered ${res.statusCode}`));
      res.resume();
      resolve(req);
    });
    req.on('error', reject);
    req.end();
  });
}

async function main() {
  const servers: ServerProcess[] = [];
  const start = async (entry: string, nodeOptions: string) => {
    const server = await startServerProcess(entry, { ...env, NODE_OPTIONS: nodeOptions });
    servers.push(server);
    return server;
  };
  try {
    const statefulShipped = shipped('stateful-mcp-on-ecs');
    const statelessShipped = shipped('stateless-mcp-on-ecs');
    // gc-server.ts runs the same bundle with the same flags, and reads memory on SIGUSR2.
    const fresh = await startServerProcess(join(__dirname, 'gc-server.ts'), { ...env, NODE_OPTIONS: `--expose-gc ${statefulShipped.nodeOptions}` });
    servers.push(fresh);
    const { first, next } = await perIdleSession(fresh);
    const kb = (n: number) => `${n.toFixed(1).padStart(6)} KB`;
    const line = (m: Memory) => `RSS ${kb(m.rss)}   V8 heap ${kb(m.heapTotal)}   live heap ${kb(m.heapUsed)}`;
    console.log(`memory per idle session with a GET stream    ${line(next)}   (target: RSS <= 50 KB)`);
    console.log(`  the first 1,000 on a fresh process         ${line(first)}`);

    const stateless = await start(statelessShipped.bundle, statelessShipped.nodeOptions);
    const stateful = await start(statefulShipped.bundle, statefulShipped.nodeOptions);
    const session = await openSession(`${stateful.url}/mcp`);
    let baseline = 0;
    let inSession = 0;
    for (let round = 0; round < 3; round++) {
      baseline += await echoRate(`${stateless.url}/mcp`, json);
      inSession += await echoRate(`${stateful.url}/mcp`, session);
    }
    baseline /= 3;
    inSession /= 3;
    console.log(`stateless server, tools/call echo (2025 era)                ${baseline.toFixed(0).padStart(6)} req/s`);
    console.log(`stateful server, tools/call echo in one session             ${inSession.toFixed(0).padStart(6)} req/s   ${(inSession / baseline).toFixed(2)}x stateless   (target >= 0.80x)`);
    const created = await sessionsPerSecond(`${stateful.url}/mcp`);
    console.log(`sessions created (initialize + initialized, 20 at a time)   ${created.toFixed(0).padStart(6)} /s      ${(created / baseline).toFixed(2)}x stateless echo`);
  } finally {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
