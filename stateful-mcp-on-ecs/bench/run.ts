/**
 * What sessions cost, measured against the stateless ECS server in the same run:
 * - the process at rest before any session, against a bare Express process with the same flags;
 * - memory per idle session: RSS growth over 2,000 sessions after initialize + initialized, then
 *   the same sessions each holding a GET stream;
 * - memory per session at its worst: sessions filled to their stored-event byte bound (the issue's
 *   95 answers of 10 KB each), against a baseline and the same sessions idle, on a fresh process;
 *   then enough of them to fill the process's bound; and the session cap that follows for the
 *   task's memory;
 * - sessions created per second (initialize + notifications/initialized, 20 at a time);
 * - `tools/call echo` throughput inside one session, as a ratio to the stateless server's;
 * - a forwarded `tools/call echo` against a sticky one: two durable instances sharing one table
 *   (dynalite, in this process) and one key, the same session called on its owner and on the other
 *   instance, which forwards it; latency (p50, p99) one call at a time, and the CPU per call of
 *   each process.
 * Each server is its own process and runs as it ships: the bundle shared/Dockerfile builds, with
 * the Node flags of its CMD. The load runs here. Throughput alternates between the two
 * servers in short rounds, so a neighbour's burst on a shared machine hits both alike.
 *
 *   npm run bench -w stateful-mcp-on-ecs          (BENCH_SECONDS=10 by default: the load time per server)
 *   npm run bench -w stateful-mcp-on-ecs -- forwarding     (only the forwarded against sticky comparison)
 *   npm run bench -w stateful-mcp-on-ecs -- memory         (only the process at rest and the idle sessions)
 *   BENCH_EARLIER_BUNDLE=/tmp/before/main.js npm run bench -w stateful-mcp-on-ecs -- memory   (and an earlier build's figures, same run)
 *   BENCH_SESSIONS=4000 npm run bench -w stateful-mcp-on-ecs -- memory   (more idle sessions: a process that rests with freed pages
 *     absorbs the first sessions' growth, which fewer sessions show as less memory per session)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { Agent, request, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import autocannon from 'autocannon';
import { buildSync } from 'esbuild';

import { startDynalite } from '../../local/dynalite';
import { startServerProcess, type ServerProcess } from '../../local/processes';
import { bundleOptions } from '../../shared/build-bundle';
import { imageCommand } from '../../shared/test-support/dockerfile';
import { loadSessionConfig } from '../src/session-config';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
/** An earlier build's entry (a copy of dist/ from another commit), measured in the same run, at rest in the same rounds: before and after from one run. */
const earlierBundle = process.env.BENCH_EARLIER_BUNDLE;
const connections = 20;
/** As many as the figures: per-session costs of a few KB need thousands to stand out of the noise. */
const idleSessions = Number(process.env.BENCH_SESSIONS ?? 2_000);
/** Enough sessions that, filled, their events pass the process bound (32 MiB / 256 KiB = 128 sessions). */
const worstSessions = 500;
// The image's environment (shared/Dockerfile: NODE_ENV=production, which wants a key and an authentication decision).
const production = { NODE_ENV: 'production', MCP_REQUEST_STATE_KEY: randomBytes(32).toString('base64'), MCP_AUTH: 'none' };
// One bench client plays thousands of clients from 127.0.0.1: the per-client limits would refuse it.
const env = { ...production, MCP_ALLOWED_HOSTS: '127.0.0.1', MCP_MAX_SESSIONS: '100000', MCP_NEW_SESSIONS_PER_CLIENT_PER_MINUTE: '1000000', MCP_MAX_STREAMS_PER_CLIENT: '100000' };
const repo = join(__dirname, '../..');

/** Builds the workspace's bundle as shared/Dockerfile does, and returns its CMD's entry with the CMD's Node flags. */
function shipped(workspace: string): { bundle: string; nodeOptions: string } {
  execFileSync('npm', ['run', 'build', '--workspace', workspace], { cwd: repo, stdio: 'ignore' });
  const { nodeFlags, entry } = imageCommand();
  return { bundle: join(repo, workspace, 'dist', entry), nodeOptions: nodeFlags.join(' ') };
}

const bareExpress = join(repo, 'stateless-mcp-on-ecs/bench/bare-express.ts');

/**
 * The stateless sample's bare Express endpoint (the floor of its throughput ratios), bundled as this
 * sample's `build` script bundles it (shared/build-bundle.ts): what an Express process costs before any MCP code.
 */
function bareExpressBundle(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'bare-express-'));
  buildSync({ ...bundleOptions(bareExpress, outdir), logLevel: 'error' });
  return join(outdir, 'main.mjs');
}

/** The same endpoint as the first memory pass bundled it (BENCHMARKS.md): one minified CommonJS file, a map without the sources. */
function bareExpressCommonJs(): string {
  const outfile = join(mkdtempSync(join(tmpdir(), 'bare-express-cjs-')), 'main.js');
  buildSync({ entryPoints: [bareExpress], outfile, bundle: true, platform: 'node', target: 'node22', minify: true, sourcemap: true, sourcesContent: false, logLevel: 'error' });
  return outfile;
}

/** The bench's memory reading, preloaded into a bundle (run with --expose-gc). */
const memoryProbe = pathToFileURL(join(__dirname, 'memory-probe.mjs')).href;

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
 * Reads the server's memory on an idle process after a full GC (memory-probe.mjs). After heavy traffic
 * the allocator hands freed memory back to the OS over tens of seconds, so a reading is repeated
 * until RSS stops falling (at most 5): what stays is what the sessions hold.
 */
function memoryOf(server: ServerProcess): () => Promise<Memory> {
  const lines = createInterface({ input: server.child.stdout! });
  const once = () => {
    const reading = new Promise<Memory>((resolve) => {
      const check = (line: string) => line.includes('"memory"') && (lines.off('line', check), resolve(JSON.parse(line)));
      lines.on('line', check);
    });
    server.child.kill('SIGUSR2');
    return reading;
  };
  return async () => {
    let reading = await once();
    for (let i = 1; i < 5; i++) {
      const next = await once();
      const settled = next.rss > 0.99 * reading.rss;
      reading = next;
      if (settled) break;
    }
    return reading;
  };
}

/** A process's resident memory now, from /proc (Linux, as on Fargate). */
function rssMiB(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}

const perSession = (a: Memory, b: Memory, sessions: number): Memory => {
  const kb = (key: keyof Memory) => (b[key] - a[key]) / 1024 / sessions;
  return { rss: kb('rss'), heapTotal: kb('heapTotal'), heapUsed: kb('heapUsed') };
};

/** Opens `count` sessions, 20 at a time, each holding a GET stream on `agent`. */
async function openListening(mcp: string, count: number, agent: Agent, streams: ClientRequest[]): Promise<Array<Record<string, string>>> {
  const sessions: Array<Record<string, string>> = [];
  for (let i = 0; i < count; i += connections) {
    const batch = await Promise.all(Array.from({ length: Math.min(connections, count - i) }, () => openSession(mcp)));
    streams.push(...(await Promise.all(batch.map((session) => openStream(mcp, session, agent)))));
    sessions.push(...batch);
  }
  return sessions;
}

/**
 * Growth per idle session, each reading taken on an idle process after a full GC (memory-probe.mjs):
 * `idleSessions` sessions after initialize + initialized, against the same process before them;
 * then the same sessions each with a GET stream open. RSS is what the task pays; the live heap is
 * what the sessions hold; the V8 heap is what V8 has committed to hold it (live objects, and the
 * free space between them on partly used pages).
 */
async function perIdleSession(server: ServerProcess): Promise<{ idle: Memory; listening: Memory; totalMiB: number }> {
  const mcp = `${server.url}/mcp`;
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const settle = memoryOf(server);
  const streams: ClientRequest[] = [];
  await openListening(mcp, 50, agent, streams); // warm up code paths (a session, its GET stream) before the baseline
  const before = await settle();
  const sessions: Array<Record<string, string>> = [];
  for (let i = 0; i < idleSessions; i += connections) sessions.push(...(await Promise.all(Array.from({ length: Math.min(connections, idleSessions - i) }, () => openSession(mcp)))));
  const idle = await settle();
  for (let i = 0; i < sessions.length; i += connections) streams.push(...(await Promise.all(sessions.slice(i, i + connections).map((session) => openStream(mcp, session, agent)))));
  const listening = await settle();
  streams.forEach((s) => s.destroy());
  agent.destroy();
  return { idle: perSession(before, idle, idleSessions), listening: perSession(before, listening, idleSessions), totalMiB: listening.rss / 1024 / 1024 };
}

/**
 * Each process's RSS at rest before any session (read from /proc after a few seconds of idling, no
 * forced GC: as the task runs it), three rounds alternating between them; the median of each.
 */
async function restingRss(processes: Array<{ entry: string; env: NodeJS.ProcessEnv }>): Promise<number[]> {
  const readings: number[][] = processes.map(() => []);
  for (let round = 0; round < 3; round++) {
    for (const [i, { entry, env: processEnv }] of processes.entries()) {
      const server = await startServerProcess(entry, processEnv);
      try {
        await sleep(5_000);
        readings[i]!.push(rssMiB(server.child.pid!));
      } finally {
        await server.stop('SIGKILL');
      }
    }
  }
  return readings.map((r) => r.sort((a, b) => a - b)[1]!);
}

/** The three memory targets of issue #18, on the shipped bundle with the image's flags. */
async function memoryTargets(statefulShipped: { bundle: string; nodeOptions: string }, servers: ServerProcess[]): Promise<void> {
  const processEnv = { ...env, NODE_OPTIONS: statefulShipped.nodeOptions };
  const [stateful, bare, bareCommonJs, earlier] = await restingRss([
    { entry: statefulShipped.bundle, env: processEnv },
    { entry: bareExpressBundle(), env: processEnv },
    { entry: bareExpressCommonJs(), env: processEnv },
    ...(earlierBundle ? [{ entry: earlierBundle, env: processEnv }] : []),
  ]);
  // The same bundle with the same flags, and a memory reading on SIGUSR2.
  const perSessionOf = async (bundle: string) => {
    const fresh = await startServerProcess(bundle, { ...env, NODE_OPTIONS: `--expose-gc --import ${memoryProbe} ${statefulShipped.nodeOptions}` });
    servers.push(fresh);
    const costs = await perIdleSession(fresh);
    await fresh.stop('SIGKILL');
    return costs;
  };
  const { idle, listening, totalMiB } = await perSessionOf(statefulShipped.bundle);
  const earlierCosts = earlierBundle ? await perSessionOf(earlierBundle) : undefined;
  const kb = (n: number) => `${n.toFixed(1).padStart(6)} KB`;
  const line = (m: Memory) => `RSS ${kb(m.rss)}   V8 heap ${kb(m.heapTotal)}   live heap ${kb(m.heapUsed)}`;
  const flags = statefulShipped.nodeOptions || 'no flags';
  console.log(`process at rest, before any session (${flags})   RSS ${stateful!.toFixed(1)} MiB   bare Express ${bare!.toFixed(1)} MiB   ${(stateful! / bare!).toFixed(2)}x bare   (target <= 1.3x)`);
  console.log(`  against bare Express as one minified CommonJS file (the first pass's baseline)   ${bareCommonJs!.toFixed(1)} MiB   ${(stateful! / bareCommonJs!).toFixed(2)}x`);
  if (earlier !== undefined) console.log(`  the earlier build (${earlierBundle})   ${earlier.toFixed(1)} MiB   ${(earlier / bare!).toFixed(2)}x bare, ${(earlier / bareCommonJs!).toFixed(2)}x the CommonJS bare`);
  console.log(`memory per idle session (initialize + initialized)   ${line(idle)}   (target: RSS <= 30 KB; ${idleSessions.toLocaleString('en')} sessions)`);
  console.log(`memory per idle session with a GET stream            ${line(listening)}   (target: RSS <= 45 KB)`);
  // Growth from a process's own baseline: one that rests with more free memory fills some of it first.
  console.log(`the process with them all (after a full GC)           RSS ${totalMiB.toFixed(1)} MiB`);
  if (earlierCosts) {
    console.log(`  the earlier build, per idle session                ${line(earlierCosts.idle)}`);
    console.log(`  the earlier build, per idle session with a stream  ${line(earlierCosts.listening)}`);
    console.log(`  the earlier build with them all                    RSS ${earlierCosts.totalMiB.toFixed(1)} MiB`);
  }
}

/** The shipped bounds on stored events (MCP_EVENT_BYTES_PER_SESSION and friends at their defaults). */
const shippedBounds = loadSessionConfig({});
/** The Fargate task's memory (shared/infra/mcp-fargate-service.ts: memoryLimitMiB). */
const TASK_MIB = 512;
/** Kept free: garbage between collections, request bodies in flight (up to 1 MiB each), V8's own growth. */
const HEADROOM = 0.25;
/** The shipped bounds, but every answered POST stream kept (up to the event count): answers alone fill a session's bytes. */
const worstEnv = { ...env, MCP_ANSWERED_STREAMS_PER_SESSION: String(shippedBounds.maxEventsPerSession) };
/** Filled first, below the process bound (their bytes stay under it): what one session costs at its worst. */
const filledBelowProcessBound = Math.floor((0.8 * shippedBounds.maxEventBytesPerProcess) / shippedBounds.maxEventBytesPerSession);

/**
 * Fills sessions the way the attacker did: 95 answers of 10 KB each (echo's largest), 20
 * sessions at a time. On a server whose window of answered POST streams is as wide as its event
 * count (`worstEnv`), that passes the session's byte bound: these answers stand for any mix of
 * events that fills it (a server whose tools answer with more than echo's 10 KB fills it within
 * the shipped window).
 */
async function fill(mcp: string, sessions: Array<Record<string, string>>): Promise<void> {
  const body = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message: 'x'.repeat(10_000) } } });
  for (let i = 0; i < sessions.length; i += connections) {
    await Promise.all(
      sessions.slice(i, i + connections).map(async (session) => {
        for (let id = 1; id <= 95; id++) {
          const response = await fetch(mcp, { method: 'POST', headers: session, body: body(id) });
          if (!response.ok || !(await response.text()).includes('x'.repeat(10_000))) throw new Error(`echo failed: ${response.status}`);
        }
      }),
    );
  }
}

interface WorstCase {
  idle: Memory;
  /** One session at its worst: its share of the idle sessions plus its filled events. */
  worst: Memory;
  /** RSS of every session's events once the process bound holds them (MiB). */
  eventsAtProcessBoundMiB: number;
}

/**
 * On a fresh process: a baseline, then `worstSessions` idle sessions with GET streams, then the
 * first `filledBelowProcessBound` of them filled (the process bound does not bind yet: the
 * per-session worst case), then all of them (it binds: the process's event memory at its bound).
 */
async function worstCase(server: ServerProcess): Promise<WorstCase> {
  const mcp = `${server.url}/mcp`;
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const streams: ClientRequest[] = [];
  const settle = memoryOf(server);
  for (let i = 0; i < 50; i++) await openSession(mcp);
  await fill(mcp, [await openSession(mcp)]); // warm up the echo path with large bodies too
  const base = await settle();
  const sessions = await openListening(mcp, worstSessions, agent, streams);
  const idle = await settle();
  await fill(mcp, sessions.slice(0, filledBelowProcessBound));
  const someFilled = await settle();
  await fill(mcp, sessions.slice(filledBelowProcessBound));
  const allFilled = await settle();
  streams.forEach((s) => s.destroy());
  agent.destroy();
  const idlePer = perSession(base, idle, worstSessions);
  const eventsPer = perSession(idle, someFilled, filledBelowProcessBound);
  const add = (key: keyof Memory) => idlePer[key] + eventsPer[key];
  return {
    idle: idlePer,
    worst: { rss: add('rss'), heapTotal: add('heapTotal'), heapUsed: add('heapUsed') },
    eventsAtProcessBoundMiB: (allFilled.rss - idle.rss) / 1024 / 1024,
  };
}

/**
 * The most sessions whose worst case fits the task with its headroom kept. N sessions at their
 * worst hold N x idle plus their events, which are at most N x a filled session's and at most the
 * process bound's: so N fits if either product fits (`max` of the two caps).
 */
function sessionCap({ idle, worst, eventsAtProcessBoundMiB }: WorstCase, baseMiB: number): { withoutProcessBound: number; cap: number } {
  const availableKb = (TASK_MIB * (1 - HEADROOM) - baseMiB) * 1024;
  const withoutProcessBound = Math.floor(availableKb / worst.rss);
  const withProcessBound = Math.floor((availableKb - eventsAtProcessBoundMiB * 1024) / idle.rss);
  return { withoutProcessBound, cap: Math.max(withoutProcessBound, withProcessBound) };
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

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux, as on Fargate). */
function cpuMs(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, counted after the command name's closing parenthesis.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
}

interface CallCost {
  p50: number;
  p99: number;
  calls: number;
  /** CPU per call of each process, in µs. */
  cpuUs: number[];
}

/** One POST on a keep-alive connection; resolves with its answer's body. */
function post(mcp: string, headers: Record<string, string>, body: string, agent: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(mcp, { method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`answered ${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * `tools/call echo` one at a time on `mcp` for a third of BENCH_SECONDS, each call timed (autocannon
 * rounds latency to whole milliseconds), with the CPU each of `processes` spent.
 */
async function callCost(mcp: string, headers: Record<string, string>, processes: ServerProcess[]): Promise<CallCost> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 50; i++) await post(mcp, headers, echo, agent);
  const before = processes.map((p) => cpuMs(p.child.pid!));
  const latencies: number[] = [];
  const until = performance.now() + Math.max(1, Math.round(seconds / 3)) * 1_000;
  while (performance.now() < until) {
    const started = performance.now();
    if (!(await post(mcp, headers, echo, agent)).includes('hello')) throw new Error('echo did not answer hello');
    latencies.push(performance.now() - started);
  }
  agent.destroy();
  const calls = latencies.length;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(calls - 1, Math.floor(q * calls))]!;
  return { p50: at(0.5), p99: at(0.99), calls, cpuUs: processes.map((p, i) => ((cpuMs(p.child.pid!) - before[i]!) * 1000) / calls) };
}

/**
 * The same session's `tools/call`, sent to its owner (what a sticky client does) and to another
 * instance, which forwards it: three rounds each, alternating. Latency is measured one call at a
 * time, so it is the hop's cost and not a queue's.
 */
async function forwardedVsSticky(statefulShipped: { bundle: string; nodeOptions: string }): Promise<void> {
  const dynamo = await startDynalite();
  const durableEnv = {
    ...env,
    NODE_OPTIONS: statefulShipped.nodeOptions,
    MCP_SESSION_TABLE: 'bench-sessions',
    MCP_DYNAMODB_ENDPOINT: dynamo.endpoint,
    MCP_REQUEST_STATE_KEY: randomBytes(32).toString('base64'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const owner = await startServerProcess(statefulShipped.bundle, durableEnv);
  const forwarder = await startServerProcess(statefulShipped.bundle, durableEnv);
  try {
    const session = await openSession(`${owner.url}/mcp`);
    const sticky: CallCost[] = [];
    const forwarded: CallCost[] = [];
    for (let round = 0; round < 3; round++) {
      sticky.push(await callCost(`${owner.url}/mcp`, session, [owner, forwarder]));
      forwarded.push(await callCost(`${forwarder.url}/mcp`, session, [owner, forwarder]));
    }
    const median = (costs: CallCost[], pick: (c: CallCost) => number) => costs.map(pick).sort((a, b) => a - b)[1]!;
    const show = (name: string, costs: CallCost[]) =>
      `${name} p50 ${median(costs, (c) => c.p50).toFixed(2).padStart(6)} ms   p99 ${median(costs, (c) => c.p99).toFixed(2).padStart(6)} ms   CPU per call: owner ${median(costs, (c) => c.cpuUs[0]!).toFixed(0).padStart(4)} µs, other instance ${median(costs, (c) => c.cpuUs[1]!).toFixed(0).padStart(4)} µs`;
    console.log(`tools/call echo in one durable session, one call at a time (median of 3 rounds of ${Math.max(1, Math.round(seconds / 3))} s):`);
    console.log(`  ${show('sticky (sent to the owner)          ', sticky)}`);
    console.log(`  ${show('forwarded (sent to another instance)', forwarded)}`);
    const ratio = median(forwarded, (c) => c.p50) / median(sticky, (c) => c.p50);
    console.log(`  forwarded / sticky at p50: ${ratio.toFixed(2)}x   (target <= 2x)`);
  } finally {
    await Promise.all([owner.stop('SIGKILL'), forwarder.stop('SIGKILL')]);
    await dynamo.stop();
  }
}

async function main() {
  if (process.argv.includes('forwarding')) return forwardedVsSticky(shipped('stateful-mcp-on-ecs'));
  const servers: ServerProcess[] = [];
  if (process.argv.includes('memory')) {
    try {
      return await memoryTargets(shipped('stateful-mcp-on-ecs'), servers);
    } finally {
      await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    }
  }
  const start = async (entry: string, nodeOptions: string) => {
    const server = await startServerProcess(entry, { ...env, NODE_OPTIONS: nodeOptions });
    servers.push(server);
    return server;
  };
  try {
    const statefulShipped = shipped('stateful-mcp-on-ecs');
    const statelessShipped = shipped('stateless-mcp-on-ecs');
    await memoryTargets(statefulShipped, servers);
    const kb = (n: number) => `${n.toFixed(1).padStart(6)} KB`;
    const line = (m: Memory) => `RSS ${kb(m.rss)}   V8 heap ${kb(m.heapTotal)}   live heap ${kb(m.heapUsed)}`;

    const worstServer = await startServerProcess(statefulShipped.bundle, { ...worstEnv, NODE_OPTIONS: `--expose-gc --import ${memoryProbe} ${statefulShipped.nodeOptions}` });
    servers.push(worstServer);
    const worst = await worstCase(worstServer);
    await worstServer.stop('SIGKILL');
    // The baseline for the cap is the shipped process as the task runs it (without the probe), warmed up and at rest.
    const stateful = await start(statefulShipped.bundle, statefulShipped.nodeOptions);
    for (let i = 0; i < 50; i++) await openSession(`${stateful.url}/mcp`);
    await fill(`${stateful.url}/mcp`, [await openSession(`${stateful.url}/mcp`)]);
    await sleep(15_000);
    const baseMiB = rssMiB(stateful.child.pid!);
    const { withoutProcessBound, cap } = sessionCap(worst, baseMiB);
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2).replace(/\.?0+$/, '')} MiB`;
    console.log(`stored-event bounds: ${shippedBounds.maxEventsPerSession} events and ${(shippedBounds.maxEventBytesPerSession / 1024).toFixed(0)} KiB per session, ${mib(shippedBounds.maxEventBytesPerProcess)} per process; every answered POST stream kept (${shippedBounds.answeredStreamsPerSession} shipped)`);
    console.log(`memory per idle session with a GET stream    ${line(worst.idle)}   (${worstSessions} sessions)`);
    console.log(`memory per session at its worst              ${line(worst.worst)}   (${filledBelowProcessBound} sessions, each fed 95 answers of 10 KB)`);
    console.log(`events of ${worstSessions} filled sessions, at the process bound   RSS ${worst.eventsAtProcessBoundMiB.toFixed(1)} MiB`);
    console.log(`shipped process at rest, warmed up           RSS ${baseMiB.toFixed(1)} MiB`);
    console.log(`session cap for a ${TASK_MIB} MiB task, ${HEADROOM * 100}% kept free       ${cap}   (${withoutProcessBound} if every session's events counted in full)`);

    const stateless = await start(statelessShipped.bundle, statelessShipped.nodeOptions);
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
    await forwardedVsSticky(statefulShipped);
  } finally {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
