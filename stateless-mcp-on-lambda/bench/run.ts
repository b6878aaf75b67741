/**
 * The Lambda sample's benchmark: what ships and what it costs to start and to serve.
 *   - bundle size: the handler bundled exactly as the stack bundles it, and, for comparison,
 *     with the SDK's own Node shims (AJV) and with its `workerd` shims (eager schemas);
 *   - cold-start overhead: spawn a fresh Node process that loads the bundle and answers one
 *     real-shaped `tools/list` event, minus spawning one that runs an empty script (median of 15);
 *     also in CPU time (user + system), which a busy machine disturbs far less than wall time;
 *   - warm handler cost: `tools/call` events in-process against a hono/aws-lambda handler that
 *     answers a constant JSON body (the adapter alone), measured in the same run.
 *
 *   npm run bench -w stateless-mcp-on-lambda
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

import { build } from 'esbuild';
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';

import { esbuildOptions } from '../infra/bundling';
import { HOST, json, modernHeaders, modernMeta, restEvent, rpc } from '../test/support/events';

const RUNS = 15;
const WARM_CALLS = 2_000;
const env = { ...process.env, NODE_ENV: 'production', MCP_ALLOWED_HOSTS: HOST, MCP_REQUEST_STATE_KEY: Buffer.alloc(32, 5).toString('base64') };
const toolsList = [restEvent({ headers: json, body: rpc('tools/list') })];

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-lambda-bench-'));
  try {
    const shipped = join(dir, 'shipped/index.js');
    const withAjv = join(dir, 'ajv/index.js');
    const workerd = join(dir, 'workerd/index.js');
    await build(esbuildOptions(shipped));
    await build({ ...esbuildOptions(withAjv), alias: {} });
    await build({ ...esbuildOptions(workerd), alias: {}, conditions: ['workerd'] });
    const empty = join(dir, 'empty.cjs');
    writeFileSync(empty, '');
    const cpuOnly = join(dir, 'cpu-only.cjs');
    writeFileSync(cpuOnly, "const { user, system } = process.cpuUsage(); process.stderr.write(`cpu ${(user + system) / 1000}\\n`);");

    const kb = (file: string) => `${(statSync(file).size / 1024).toFixed(1)} KB`;
    console.log(`bundle (as shipped):        ${kb(shipped)} minified, ${(gzipSync(readFileSync(shipped)).length / 1024).toFixed(1)} KB gzip   target <= 500 KB`);
    console.log(`bundle, SDK Node shims (AJV): ${kb(withAjv)} minified`);
    console.log(`bundle, SDK workerd shims:  ${kb(workerd)} minified`);

    const baseline: number[] = [];
    const baselineCpu: number[] = [];
    const cpu: number[] = [];
    const cold: number[] = [];
    const cpuAjv: number[] = [];
    const cpuWorkerd: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      baseline.push(await spawnUntil([empty], 'exit'));
      baselineCpu.push((await spawnCpu([cpuOnly])));
      cold.push(await spawnUntil([join(__dirname, 'invoke.cjs'), shipped], 'answer'));
      cpu.push(await spawnCpu([join(__dirname, 'invoke.cjs'), shipped]));
      cpuAjv.push(await spawnCpu([join(__dirname, 'invoke.cjs'), withAjv]));
      cpuWorkerd.push(await spawnCpu([join(__dirname, 'invoke.cjs'), workerd]));
    }
    const base = median(baseline);
    console.log(`spawn an empty script:      ${base.toFixed(1)} ms (median of ${RUNS})`);
    console.log(`cold start to tools/list:   ${median(cold).toFixed(1)} ms -> overhead ${(median(cold) - base).toFixed(1)} ms (${(median(cold) / base).toFixed(2)}x an empty Node)   target <= 100 ms`);
    console.log(`  in CPU time:              ${median(cpu).toFixed(1)} ms against ${median(baselineCpu).toFixed(1)} ms for a bare Node -> overhead ${(median(cpu) - median(baselineCpu)).toFixed(1)} ms`);
    console.log(`  CPU, SDK Node shims (AJV): ${median(cpuAjv).toFixed(1)} ms (${(median(cpuAjv) / median(cpu)).toFixed(2)}x as shipped)`);
    console.log(`  CPU, SDK workerd shims:    ${median(cpuWorkerd).toFixed(1)} ms (${(median(cpuWorkerd) / median(cpu)).toFixed(2)}x as shipped)`);

    Object.assign(process.env, env);
    const { handler } = require(shipped) as { handler: (event: unknown) => Promise<{ statusCode: number }> };
    const adapter = handle(new Hono().post('/mcp', (c) => c.json({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'x' }] } })));
    const legacy = restEvent({ headers: json, body: rpc('tools/call', { name: 'echo', arguments: { message: 'x' } }) });
    const modern = restEvent({ headers: modernHeaders('tools/call', 'echo'), body: rpc('tools/call', { name: 'echo', arguments: { message: 'x' }, _meta: modernMeta }) });
    const adapterMs = await perCall(() => adapter(legacy as never));
    const legacyMs = await perCall(() => handler(legacy));
    const modernMs = await perCall(() => handler(modern));
    console.log(`warm, hono adapter alone:   ${(adapterMs * 1000).toFixed(0)} µs per event (baseline)`);
    console.log(`warm tools/call, 2025 era:  ${(legacyMs * 1000).toFixed(0)} µs per event (${(legacyMs / adapterMs).toFixed(1)}x baseline)   target <= 1 ms`);
    console.log(`warm tools/call, 2026 era:  ${(modernMs * 1000).toFixed(0)} µs per event (${(modernMs / adapterMs).toFixed(1)}x baseline)   target <= 1 ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Milliseconds from spawn to the first answer on stdout ('answer') or to the exit ('exit'). */
function spawnUntil(args: string[], until: 'answer' | 'exit'): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdin.end(JSON.stringify(toolsList));
    let out = '';
    let answered: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
      if (answered === undefined && out.includes('"statusCode":200')) answered = performance.now() - started;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}`));
      if (until === 'answer' && answered === undefined) return reject(new Error(`no answer from ${args.join(' ')}: ${out.slice(0, 200)}`));
      resolve(until === 'answer' ? answered! : performance.now() - started);
    });
  });
}

/** CPU milliseconds (user + system) the process reports when it has answered, or at its end. */
function spawnCpu(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...env, BENCH_CPU: '1' }, stdio: ['pipe', 'ignore', 'pipe'] });
    child.stdin.end(JSON.stringify(toolsList));
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.on('error', reject);
    child.on('close', () => {
      const ms = Number(/^cpu (\S+)$/m.exec(err)?.[1]);
      return Number.isFinite(ms) ? resolve(ms) : reject(new Error(`no CPU figure from ${args.join(' ')}: ${err.slice(0, 200)}`));
    });
  });
}

/** Mean milliseconds per call over WARM_CALLS sequential calls, after a warm-up; log lines are formatted but not printed. */
async function perCall(call: () => Promise<{ statusCode: number }>): Promise<number> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    for (let i = 0; i < 200; i++) await call();
    const started = performance.now();
    for (let i = 0; i < WARM_CALLS; i++) if ((await call()).statusCode !== 200) throw new Error('call failed');
    return (performance.now() - started) / WARM_CALLS;
  } finally {
    process.stdout.write = write;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
