/**
 * Two or more builds of the handler, head to head, for a change whose effect is smaller than the
 * noise between runs of `bench/run.ts` on a shared machine:
 *   - warm: one process per build and era in alternating order, each a warm execution environment
 *     (the bundle loaded, 2,000 calls to warm it, 3,000 timed), medians of CPU and wall per call;
 *   - cold: one spawn per build in alternating order, answering a first `tools/list`, with
 *     authentication off and on (the JWKS from a loopback issuer), medians of per-round differences
 *     against the first build.
 * The first bundle is the baseline. With no argument it builds this tree's bundle twice, so the
 * spread between identical builds shows the noise. Build another tree's bundle with its own
 * `infra/bundling.ts` (`esbuildOptions(outfile)`), e.g. from a `git worktree` of main.
 *
 *   npm run bench:h2h -w stateless-mcp-on-lambda -- /path/to/before.js [/path/to/other.js ...]
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { build } from 'esbuild';

import { startJwtIssuer } from '../../shared/test-support/jwt-issuer';
import { esbuildOptions, invokerOptions } from '../infra/bundling';
import { HOST, json, restEvent, rpc } from '../test/support/events';
import { median, signed } from './stats';
import { benchEnv, ERAS, warmCall, type Era } from './warm-environment';

const ROUNDS = Number(process.env.ROUNDS ?? 9);
const COLD_ROUNDS = Number(process.env.COLD_ROUNDS ?? 25);
const env = benchEnv;
const RESOURCE = `https://${HOST}/prod/mcp`;

async function main(bundles: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-lambda-h2h-'));
  const issuer = await startJwtIssuer();
  try {
    if (bundles.length === 0) {
      await build(esbuildOptions(join(dir, 'a/index.js')));
      copyFileSync(join(dir, 'a/index.js'), join(dir, 'a/copy.js'));
      bundles = [join(dir, 'a/index.js'), join(dir, 'a/copy.js')];
    } else {
      await build(esbuildOptions(join(dir, 'this-tree/index.js')));
      bundles = [...bundles, join(dir, 'this-tree/index.js')];
    }
    const invoker = join(dir, 'invoke.cjs');
    await build(invokerOptions(invoker));
    console.log(`builds: ${bundles.join(', ')} (the first is the baseline)`);

    const warm = new Map<string, { wall: number[]; cpu: number[] }>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const era of Object.keys(ERAS) as Era[]) {
        for (const bundle of round % 2 ? [...bundles].reverse() : bundles) {
          const { wall, cpu } = warmCall(bundle, era);
          const samples = warm.get(`${era} ${bundle}`) ?? { wall: [], cpu: [] };
          samples.wall.push(wall);
          samples.cpu.push(cpu);
          warm.set(`${era} ${bundle}`, samples);
        }
      }
    }
    for (const era of Object.keys(ERAS)) {
      const base = warm.get(`${era} ${bundles[0]}`)!;
      for (const bundle of bundles) {
        const { wall, cpu } = warm.get(`${era} ${bundle}`)!;
        console.log(`warm tools/call, ${era}, ${bundle}: ${median(cpu).toFixed(0)} µs CPU (${(median(cpu) / median(base.cpu)).toFixed(2)}x), ${median(wall).toFixed(0)} µs wall (${(median(wall) / median(base.wall)).toFixed(2)}x), median of ${ROUNDS}`);
      }
    }

    const authEnv = { ...env, MCP_AUTH: 'oauth', MCP_AUTH_ISSUER: issuer.issuer, MCP_AUTH_JWKS_URI: issuer.jwksUri, MCP_RESOURCE_URL: RESOURCE, MCP_AUTH_SCOPES: 'mcp' };
    const authorization = `Bearer ${issuer.mint({ aud: RESOURCE, exp: Math.floor(Date.now() / 1000) + 3600 })}`;
    const modes = { 'auth off': { env, headers: json }, 'auth on': { env: authEnv, headers: { ...json, authorization } } };
    const cold = new Map<string, { wall: number[]; cpu: number[] }>();
    for (let round = 0; round < COLD_ROUNDS; round++) {
      for (const [mode, { env: modeEnv, headers }] of Object.entries(modes)) {
        for (const bundle of round % 2 ? [...bundles].reverse() : bundles) {
          const start = await coldStart(invoker, bundle, modeEnv, [restEvent({ headers, body: rpc('tools/list') })]);
          const samples = cold.get(`${mode} ${bundle}`) ?? { wall: [], cpu: [] };
          samples.wall.push(start.wall);
          samples.cpu.push(start.cpu);
          cold.set(`${mode} ${bundle}`, samples);
        }
      }
    }
    for (const mode of Object.keys(modes)) {
      const base = cold.get(`${mode} ${bundles[0]}`)!;
      for (const bundle of bundles) {
        const { wall, cpu } = cold.get(`${mode} ${bundle}`)!;
        const diff = (a: number[], b: number[]) => median(a.map((ms, i) => ms - b[i]!));
        console.log(`cold start to tools/list, ${mode}, ${bundle}: ${median(cpu).toFixed(1)} ms CPU, ${median(wall).toFixed(1)} ms wall; against the baseline ${signed(diff(cpu, base.cpu))} ms CPU, ${signed(diff(wall, base.wall))} ms wall (median of ${COLD_ROUNDS} rounds)`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await issuer.close();
  }
}

/** A fresh process that loads the bundle and answers the events: milliseconds to the answer, and its CPU by then. */
function coldStart(invoker: string, bundle: string, env: NodeJS.ProcessEnv, events: unknown[]): Promise<{ wall: number; cpu: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [invoker, bundle], { env: { ...env, BENCH_CPU: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(JSON.stringify(events));
    let out = '';
    let err = '';
    let wall: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
      if (wall === undefined && out.includes('"statusCode":200')) wall = performance.now() - started;
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.on('error', reject);
    child.on('close', () => {
      const cpu = Number(/^cpu (\S+)$/m.exec(err)?.[1]);
      return wall !== undefined && Number.isFinite(cpu) ? resolve({ wall, cpu }) : reject(new Error(`no answer from ${bundle}: ${out.slice(0, 200)} ${err.slice(0, 200)}`));
    });
  });
}

void main(process.argv.slice(2)).catch((error) => {
  console.error(error);
  process.exit(1);
});
