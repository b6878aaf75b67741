/**
 * CPU per request of the MCP handler alone (`handler.fetch`, in-process, no sockets), with servers
 * reused across requests against a fresh server per request, as before issue #18. The two run in
 * alternating short rounds, and each figure is the median of its rounds, so load from elsewhere
 * on the machine hits both alike; it moves far less than the HTTP bench (./run.ts) on busy cores.
 * Then, the same way, the reused servers with metrics on (`MCP_METRICS=emf`: the request observed
 * at the transport, its log line the EMF record) against off, each request also building and
 * serializing its log line as the shell does (issue #19 bounds the cost at 5 % of the whole server's
 * throughput; the handler is only part of a request's CPU).
 *
 *   npm run bench:handler -w stateless-mcp-on-ecs      (BENCH_ROUNDS=15, BENCH_REQUESTS=400 per round)
 */
import { createMcpHandler, InMemoryServerEventBus, type McpHttpHandler } from '@modelcontextprotocol/server';

import { closeRequestScope, createServerFactory, detectInstance, loadConfig, openRequestScope, requestLine, requestScope, type MetricsConfig } from '@mcp-on-aws/shared';

const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const requests = Number(process.env.BENCH_REQUESTS ?? 400);

const accept = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const modern = { 'mcp-protocol-version': '2026-07-28' };
const meta = {
  _meta: {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': {},
  },
};
const echo = { name: 'echo', arguments: { message: 'hello' } };
const loads: Record<string, { headers: Record<string, string>; body: object }> = {
  'tools/call echo, 2025 era': { headers: accept, body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: echo } },
  'tools/call echo, 2026 era': { headers: { ...accept, ...modern, 'mcp-method': 'tools/call', 'mcp-name': 'echo' }, body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { ...echo, ...meta } } },
  'tools/list, 2025 era     ': { headers: accept, body: { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} } },
  'tools/list, 2026 era     ': { headers: { ...accept, ...modern, 'mcp-method': 'tools/list' }, body: { jsonrpc: '2.0', id: 1, method: 'tools/list', params: meta } },
};

/** As `createMcpHandlerWithChanges` builds it, with or without reuse. */
function handler(reuse: boolean): McpHttpHandler {
  const changes = new InMemoryServerEventBus();
  const factory = createServerFactory({ instance: detectInstance(), config: loadConfig(), changes, reuse });
  return createMcpHandler(factory, { bus: changes });
}

/** CPU µs per request over `count` requests, each as Express hands it over (the body already parsed). */
async function cpuPerRequest(mcp: McpHttpHandler, { headers, body }: (typeof loads)[string], count: number): Promise<number> {
  const text = JSON.stringify(body);
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const response = await mcp.fetch(new Request('http://127.0.0.1/mcp', { method: 'POST', headers, body: text }), { parsedBody: body });
    if (!(await response.text()).includes('"result"')) throw new Error(`no result for ${text}`);
  }
  const { user, system } = process.cpuUsage(started);
  return (user + system) / count;
}

/** As `cpuPerRequest`, with what the HTTP shell adds around each request: its scope, opened to the seam with `metrics` on, and its log line. */
async function observedCpuPerRequest(mcp: McpHttpHandler, { headers, body }: (typeof loads)[string], count: number, metrics: MetricsConfig): Promise<number> {
  const text = JSON.stringify(body);
  const instance = detectInstance();
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const arrived = performance.now();
    const scope = requestScope((name) => headers[name]);
    const stamped = { ...headers };
    openRequestScope(scope, body, metrics, (name, value) => void (stamped[name] = value));
    const response = await mcp.fetch(new Request('http://127.0.0.1/mcp', { method: 'POST', headers: stamped, body: text }), { parsedBody: body });
    if (!(await response.text()).includes('"result"')) throw new Error(`no result for ${text}`);
    closeRequestScope(scope);
    const facts = { protocolVersion: headers['mcp-protocol-version'], body, httpMethod: 'POST', path: '/mcp', session: undefined, client: '127.0.0.1', userAgent: undefined, status: 200, started: arrived, scope };
    JSON.stringify(requestLine(instance, facts, metrics));
    if (metrics.emf && !scope.mcp) throw new Error('the request was not observed');
  }
  const { user, system } = process.cpuUsage(started);
  return (user + system) / count;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  const fresh = handler(false);
  const reused = handler(true);
  console.log(`Node ${process.version}, ${rounds} alternating rounds of ${requests} requests, medians (load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)})`);
  for (const [name, load] of Object.entries(loads)) {
    await cpuPerRequest(fresh, load, requests); // warm-up: JIT
    await cpuPerRequest(reused, load, requests);
    const samples = { fresh: [] as number[], reused: [] as number[], ratio: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      const a = await cpuPerRequest(fresh, load, requests);
      const b = await cpuPerRequest(reused, load, requests);
      samples.fresh.push(a);
      samples.reused.push(b);
      samples.ratio.push(b / a);
    }
    console.log(`${name}  fresh server ${median(samples.fresh).toFixed(0).padStart(4)} µs CPU/req   reused ${median(samples.reused).toFixed(0).padStart(4)} µs   ${median(samples.ratio).toFixed(2)}x`);
  }
  const off = { emf: false, service: 'stateless-mcp-on-ecs' };
  const on = { emf: true, service: 'stateless-mcp-on-ecs' };
  for (const [name, load] of Object.entries(loads)) {
    await observedCpuPerRequest(reused, load, requests, off);
    await observedCpuPerRequest(reused, load, requests, on);
    const samples = { off: [] as number[], on: [] as number[], ratio: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      const a = await observedCpuPerRequest(reused, load, requests, off);
      const b = await observedCpuPerRequest(reused, load, requests, on);
      samples.off.push(a);
      samples.on.push(b);
      samples.ratio.push(b / a);
    }
    // Against the handler alone: the whole request (Express, the socket, the line's write) costs several times more, see ./run.ts.
    const extra = median(samples.on.map((on, i) => on - samples.off[i]!));
    console.log(`${name}  metrics off  ${median(samples.off).toFixed(0).padStart(4)} µs CPU/req   on ${median(samples.on).toFixed(0).padStart(4)} µs   +${extra.toFixed(0)} µs, ${median(samples.ratio).toFixed(3)}x the handler alone`);
  }
  await Promise.all([fresh.close(), reused.close()]);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
