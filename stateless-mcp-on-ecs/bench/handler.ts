/**
 * CPU per request of the MCP handler alone (`handler.fetch`, in-process, no sockets), with servers
 * reused across requests against a fresh server per request, as before issue #18. The two run in
 * alternating short rounds, and each figure is the median of its rounds, so load from elsewhere
 * on the machine hits both alike; it moves far less than the HTTP bench (./run.ts) on busy cores.
 *
 *   npm run bench:handler -w stateless-mcp-on-ecs      (BENCH_ROUNDS=15, BENCH_REQUESTS=400 per round)
 */
import { createMcpHandler, InMemoryServerEventBus, type McpHttpHandler } from '@modelcontextprotocol/server';

import { createServerFactory, detectInstance, loadConfig } from '@mcp-on-aws/shared';

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
  await Promise.all([fresh.close(), reused.close()]);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
