/**
 * Throughput of this server's `tools/call echo` and `tools/list`, in both eras, against a bare
 * Express endpoint that returns a fixed JSON body, with issue #18's targets beside each ratio. All
 * are measured in turns, several rounds, and each ratio is the median of its rounds: on a shared
 * machine, load from elsewhere hits them all alike. Each server is its own process; autocannon
 * runs in this one. Server CPU time per request is printed too: it moves less than the rate when
 * other work shares the cores (`bench:handler`, in ./handler.ts, moves least).
 * The SDK's own floor (./sdk-floor.ts: the SDK behind its Node adapter, one tool, nothing of this
 * project) serves the same four loads in the same rounds: what no server on this SDK gets under.
 * The same server with authentication on (a bearer token checked on every call, the JWKS from
 * ../../shared/test-support/jwt-issuer on loopback, fetched once) runs in the same rounds, so its
 * cost shows against authentication off. So does the server with metrics on (`MCP_METRICS=emf`, as
 * the stack runs it: each request observed at the transport, its log line the EMF record), against off.
 *
 *   npm run bench -w stateless-mcp-on-ecs      (BENCH_ROUNDS=5, BENCH_SECONDS=4 by default; BENCH_NODE_OPTIONS)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import autocannon from 'autocannon';

import { startServerProcess, type ServerProcess } from '../../local/processes';
import { startJwtIssuer } from '../../shared/test-support/jwt-issuer';

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const connections = 20;

/** Node flags for both servers, to try a tuning (for example --max-semi-space-size=32) on each alike. */
const nodeOptions = process.env.BENCH_NODE_OPTIONS ?? '';

/** issue #18: each MCP figure at >= 0.40x bare Express's rate, and at most 2.5x its CPU per request. */
const TARGET_RATIO = 0.4;
const TARGET_CPU = 2.5;

const echoParams = { name: 'echo', arguments: { message: 'hello' } };
const accept = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const modernMeta = {
  _meta: {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': {},
  },
};
type Load = { headers: Record<string, string>; body: string; /** what the probe's answer must contain */ expect: string };

const expectIn = (method: string) => (method === 'tools/list' ? '"name":"echo"' : 'hello');
const legacyLoad = (method: string, params: Record<string, unknown>): Load => ({
  headers: accept,
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  expect: expectIn(method),
});
const modernLoad = (method: string, params: Record<string, unknown>, name?: string): Load => ({
  headers: { ...accept, 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...(name && { 'mcp-name': name }) },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, ...modernMeta } }),
  expect: expectIn(method),
});

const figures = ['legacy', 'modern', 'legacy-list', 'modern-list'] as const;
/** The same load on the SDK alone (./sdk-floor.ts): how close to its floor this server runs. */
const floors = { legacy: 'floor-legacy', modern: 'floor-modern', 'legacy-list': 'floor-legacy-list', 'modern-list': 'floor-modern-list' } as const;
const kinds = ['bare', ...figures, ...Object.values(floors), 'legacy-auth', 'modern-auth', 'legacy-metrics', 'modern-metrics'] as const;
type Kind = (typeof kinds)[number];
const labels: Record<(typeof figures)[number], string> = {
  legacy: 'tools/call echo, 2025 era',
  modern: 'tools/call echo, 2026 era',
  'legacy-list': 'tools/list, 2025 era     ',
  'modern-list': 'tools/list, 2026 era     ',
};

const loads: Record<'bare' | (typeof figures)[number], Load> = {
  bare: legacyLoad('tools/call', echoParams),
  legacy: legacyLoad('tools/call', echoParams),
  modern: modernLoad('tools/call', echoParams, 'echo'),
  'legacy-list': legacyLoad('tools/list', {}),
  'modern-list': modernLoad('tools/list', {}),
};

interface Sample {
  rate: number;
  /** Server CPU time per request, in µs: steadier than the rate when other work shares the cores. */
  cpuUs: number;
}

async function measure(server: ServerProcess, { headers, body }: Load, duration: number): Promise<Sample> {
  const before = cpuMs(server);
  const result = await autocannon({ url: `${server.url}/mcp`, method: 'POST', headers, body, connections, duration });
  if (result.non2xx || result.errors) throw new Error(`${server.url}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  return { rate: result.requests.average, cpuUs: ((cpuMs(server) - before) * 1000) / result.requests.total };
}

/** User + system CPU time of a process, from /proc (Linux; clock ticks are 10 ms). */
function cpuMs(server: ServerProcess): number {
  const fields = readFileSync(`/proc/${server.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** One call first: a broken request must fail the bench, not measure error pages. */
async function probe(url: string, { headers, body, expect }: Load): Promise<void> {
  const response = await fetch(`${url}/mcp`, { method: 'POST', headers, body });
  const text = await response.text();
  if (!response.ok || !text.includes(expect)) throw new Error(`probe of ${url} failed: ${response.status} ${text.slice(0, 200)}`);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  const servers: ServerProcess[] = [];
  const issuer = await startJwtIssuer();
  try {
    const env = { NODE_OPTIONS: nodeOptions };
    servers.push(await startServerProcess(join(__dirname, 'bare-express.ts'), env));
    servers.push(await startServerProcess(join(__dirname, 'sdk-floor.ts'), env));
    // Its log line per request is still written, as in ECS, and drained unread.
    servers.push(await startServerProcess(join(__dirname, '../src/main.ts'), { ...env, MCP_ALLOWED_HOSTS: '127.0.0.1' }));
    // As a stack configures it: a fixed resource URL (the token's audience) and the JWKS URI.
    const resource = 'https://bench.example/mcp';
    const authEnv = { MCP_AUTH_ISSUER: issuer.issuer, MCP_AUTH_JWKS_URI: issuer.jwksUri, MCP_RESOURCE_URL: resource, MCP_AUTH_SCOPES: 'mcp' };
    servers.push(await startServerProcess(join(__dirname, '../src/main.ts'), { ...env, MCP_ALLOWED_HOSTS: '127.0.0.1', ...authEnv }));
    servers.push(await startServerProcess(join(__dirname, '../src/main.ts'), { ...env, MCP_ALLOWED_HOSTS: '127.0.0.1', MCP_METRICS: 'emf', MCP_SERVICE_NAME: 'stateless-mcp-on-ecs' }));
    const [bare, floor, mcp, mcpAuth, mcpMetrics] = servers as [ServerProcess, ServerProcess, ServerProcess, ServerProcess, ServerProcess];
    const targets: Record<Kind, ServerProcess> = {
      bare,
      legacy: mcp,
      modern: mcp,
      'legacy-list': mcp,
      'modern-list': mcp,
      'floor-legacy': floor,
      'floor-modern': floor,
      'floor-legacy-list': floor,
      'floor-modern-list': floor,
      'legacy-auth': mcpAuth,
      'modern-auth': mcpAuth,
      'legacy-metrics': mcpMetrics,
      'modern-metrics': mcpMetrics,
    };
    const authorization = `Bearer ${issuer.mint({ aud: resource, exp: Math.floor(Date.now() / 1000) + 3600 })}`;
    const withToken = (load: Load): Load => ({ ...load, headers: { ...load.headers, authorization } });
    const allLoads: Record<Kind, Load> = {
      ...loads,
      'floor-legacy': loads.legacy,
      'floor-modern': loads.modern,
      'floor-legacy-list': loads['legacy-list'],
      'floor-modern-list': loads['modern-list'],
      'legacy-auth': withToken(loads.legacy),
      'modern-auth': withToken(loads.modern),
      'legacy-metrics': loads.legacy,
      'modern-metrics': loads.modern,
    };

    for (const kind of kinds) {
      await probe(targets[kind].url, allLoads[kind]);
      await measure(targets[kind], allLoads[kind], 1); // warm-up: JIT and pools
    }
    const samples = Object.fromEntries(kinds.map((kind) => [kind, [] as Sample[]])) as Record<Kind, Sample[]>;
    for (let round = 0; round < rounds; round++) {
      for (const kind of kinds) samples[kind].push(await measure(targets[kind], allLoads[kind], seconds));
    }

    const rate = (kind: Kind) => median(samples[kind].map((s) => s.rate)).toFixed(0).padStart(6);
    const cpu = (kind: Kind) => median(samples[kind].map((s) => s.cpuUs)).toFixed(0).padStart(5);
    /** `kind` against `base` round by round (both measured in the same round), the median. */
    const paired = (kind: Kind, base: Kind, compare: (sample: Sample, baseline: Sample) => number) => median(samples[kind].map((s, i) => compare(s, samples[base][i]!)));
    const rateRatio = (s: Sample, b: Sample) => s.rate / b.rate;
    const cpuUsRatio = (s: Sample, b: Sample) => s.cpuUs / b.cpuUs;
    const cpuUsAdded = (s: Sample, b: Sample) => s.cpuUs - b.cpuUs;
    console.log(`Node ${process.version}, NODE_OPTIONS="${nodeOptions}", ${connections} connections, ${rounds} rounds of ${seconds} s each, medians`);
    console.log(`${'bare Express, fixed JSON'.padEnd(31)}${rate('bare')} req/s  ${cpu('bare')} µs CPU/req`);
    for (const figure of figures) {
      const ratio = paired(figure, 'bare', rateRatio);
      const cpuRatio = paired(figure, 'bare', cpuUsRatio);
      const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
      console.log(
        `MCP ${labels[figure]}  ${rate(figure)} req/s  ${cpu(figure)} µs CPU/req   ` +
          `${ratio.toFixed(2)}x bare (target >= ${TARGET_RATIO.toFixed(2)}x: ${met(ratio >= TARGET_RATIO)})   ` +
          `CPU/req ${cpuRatio.toFixed(2)}x bare's (target <= ${TARGET_CPU.toFixed(2)}x: ${met(cpuRatio <= TARGET_CPU)})`,
      );
    }
    for (const figure of figures) {
      const floor = floors[figure];
      const ratio = paired(floor, 'bare', rateRatio);
      const cpuRatio = paired(floor, 'bare', cpuUsRatio);
      const ours = paired(figure, floor, rateRatio);
      console.log(
        `  the SDK's floor, ${labels[figure]} ${rate(floor)} req/s  ${cpu(floor)} µs CPU/req   ${ratio.toFixed(2)}x bare, CPU/req ${cpuRatio.toFixed(2)}x bare's; this server ${ours.toFixed(2)}x the floor`,
      );
    }
    for (const era of ['legacy', 'modern'] as const) {
      const authed = `${era}-auth` as const;
      const ratio = paired(authed, era, rateRatio);
      const extraCpu = paired(authed, era, cpuUsAdded);
      console.log(`  echo with a token checked, ${era.padEnd(7)} ${rate(authed)} req/s  ${cpu(authed)} µs CPU/req   ${ratio.toFixed(2)}x auth off, +${extraCpu.toFixed(0)} µs CPU/req`);
    }
    for (const era of ['legacy', 'modern'] as const) {
      const observed = `${era}-metrics` as const;
      const ratio = paired(observed, era, rateRatio);
      const extraCpu = paired(observed, era, cpuUsAdded);
      console.log(`  echo with metrics on (EMF), ${era.padEnd(7)} ${rate(observed)} req/s  ${cpu(observed)} µs CPU/req   ${ratio.toFixed(2)}x metrics off, +${extraCpu.toFixed(0)} µs CPU/req   target >= 0.95x`);
    }
    console.log(`JWKS fetches by the server with auth on: ${issuer.fetches.jwks} (once per process)`);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await issuer.close();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
