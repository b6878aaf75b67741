/**
 * Throughput of this server's `tools/call echo`, in both eras, against a bare Express endpoint
 * that returns a fixed JSON body. The three are measured in turns, several rounds, and each
 * ratio is the median of its rounds: on a shared machine, load from elsewhere hits all three
 * alike. Each server is its own process; autocannon runs in this one. Server CPU time per
 * request is printed too: it moves less than the rate when other work shares the cores.
 * The same server with authentication on (a bearer token checked on every call, the JWKS from
 * ../../shared/test-support/jwt-issuer on loopback, fetched once) runs in the same rounds, so its
 * cost shows against authentication off.
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

const echo = (params: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hello' }, ...params } });
const accept = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
type Load = { headers: Record<string, string>; body: string };

const kinds = ['bare', 'legacy', 'modern', 'legacy-auth', 'modern-auth'] as const;
type Kind = (typeof kinds)[number];

const loads: Record<'bare' | 'legacy' | 'modern', Load> = {
  bare: { headers: accept, body: echo() },
  legacy: { headers: accept, body: echo() },
  modern: {
    headers: { ...accept, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
    body: echo({
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    }),
  },
};

interface Sample {
  rate: number;
  /** Server CPU time per request, in µs: steadier than the rate when other work shares the cores. */
  cpuUs: number;
}

async function measure(server: ServerProcess, load: Load, duration: number): Promise<Sample> {
  const before = cpuMs(server);
  const result = await autocannon({ url: `${server.url}/mcp`, method: 'POST', ...load, connections, duration });
  if (result.non2xx || result.errors) throw new Error(`${server.url}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  return { rate: result.requests.average, cpuUs: ((cpuMs(server) - before) * 1000) / result.requests.total };
}

/** User + system CPU time of a process, from /proc (Linux; clock ticks are 10 ms). */
function cpuMs(server: ServerProcess): number {
  const fields = readFileSync(`/proc/${server.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** One call first: a broken request must fail the bench, not measure error pages. */
async function probe(url: string, load: Load): Promise<void> {
  const response = await fetch(`${url}/mcp`, { method: 'POST', ...load });
  const text = await response.text();
  if (!response.ok || !text.includes('hello')) throw new Error(`probe of ${url} failed: ${response.status} ${text.slice(0, 200)}`);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  const servers: ServerProcess[] = [];
  const issuer = await startJwtIssuer();
  try {
    const env = { NODE_OPTIONS: nodeOptions };
    servers.push(await startServerProcess(join(__dirname, 'bare-express.ts'), env));
    // Its log line per request is still written, as in ECS, and drained unread.
    servers.push(await startServerProcess(join(__dirname, '../src/main.ts'), { ...env, MCP_ALLOWED_HOSTS: '127.0.0.1' }));
    // As a stack configures it: a fixed resource URL (the token's audience) and the JWKS URI.
    const resource = 'https://bench.example/mcp';
    const authEnv = { MCP_AUTH_ISSUER: issuer.issuer, MCP_AUTH_JWKS_URI: issuer.jwksUri, MCP_RESOURCE_URL: resource, MCP_AUTH_SCOPES: 'mcp' };
    servers.push(await startServerProcess(join(__dirname, '../src/main.ts'), { ...env, MCP_ALLOWED_HOSTS: '127.0.0.1', ...authEnv }));
    const [bare, mcp, mcpAuth] = servers as [ServerProcess, ServerProcess, ServerProcess];
    const targets: Record<Kind, ServerProcess> = { bare, legacy: mcp, modern: mcp, 'legacy-auth': mcpAuth, 'modern-auth': mcpAuth };
    const authorization = `Bearer ${issuer.mint({ aud: resource, exp: Math.floor(Date.now() / 1000) + 3600 })}`;
    const withToken = ({ headers, body }: Load): Load => ({ headers: { ...headers, authorization }, body });
    const allLoads: Record<Kind, Load> = { ...loads, 'legacy-auth': withToken(loads.legacy), 'modern-auth': withToken(loads.modern) };

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
    console.log(`Node ${process.version}, NODE_OPTIONS="${nodeOptions}", ${connections} connections, ${rounds} rounds of ${seconds} s each, medians`);
    console.log(`bare Express, fixed JSON      ${rate('bare')} req/s  ${cpu('bare')} µs CPU/req`);
    for (const era of ['legacy', 'modern'] as const) {
      const ratio = median(samples[era].map((s, i) => s.rate / samples.bare[i]!.rate));
      const cpuRatio = median(samples[era].map((s, i) => samples.bare[i]!.cpuUs / s.cpuUs));
      console.log(
        `MCP tools/call echo, ${era.padEnd(7)}  ${rate(era)} req/s  ${cpu(era)} µs CPU/req   ${ratio.toFixed(2)}x bare (by CPU/req ${cpuRatio.toFixed(2)}x)   target >= 0.50x`,
      );
    }
    for (const era of ['legacy', 'modern'] as const) {
      const authed = `${era}-auth` as const;
      const ratio = median(samples[authed].map((s, i) => s.rate / samples[era][i]!.rate));
      const extraCpu = median(samples[authed].map((s, i) => s.cpuUs - samples[era][i]!.cpuUs));
      console.log(`  with a token checked, ${era.padEnd(7)} ${rate(authed)} req/s  ${cpu(authed)} µs CPU/req   ${ratio.toFixed(2)}x auth off, +${extraCpu.toFixed(0)} µs CPU/req`);
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
