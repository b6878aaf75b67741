/**
 * A warm execution environment, as Lambda runs one: a process of its own that loads one handler
 * bundle and nothing else, makes 2,000 calls to warm it, then times 3,000. Both benches measure
 * warm calls this way. In a process that had loaded other bundles first, the same bundle's calls
 * ran 1.2-1.5x slower (BENCHMARKS.md, issue #18).
 */
import { execFileSync } from 'node:child_process';

import { invokeToEnd, type StreamingHandler } from '../../local/lambda-runtime';
import { HOST, json, modernHeaders, modernMeta, restEvent, rpc } from '../test/support/events';

export const ERAS = {
  '2025 era': restEvent({ headers: json, body: rpc('tools/call', { name: 'echo', arguments: { message: 'x' } }) }),
  '2026 era': restEvent({ headers: modernHeaders('tools/call', 'echo'), body: rpc('tools/call', { name: 'echo', arguments: { message: 'x' }, _meta: modernMeta }) }),
};
export type Era = keyof typeof ERAS;

/** The environment the benches give the handler: production settings, authentication off. */
export const benchEnv = { ...process.env, NODE_ENV: 'production', MCP_ALLOWED_HOSTS: HOST, MCP_REQUEST_STATE_KEY: Buffer.alloc(32, 5).toString('base64'), MCP_AUTH: 'none' };

/** Microseconds per warm `tools/call echo` of `bundle` in `era`: wall time, and the process's CPU (all its threads). */
export function warmCall(bundle: string, era: Era): { wall: number; cpu: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, bundle, era], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as { wall: number; cpu: number };
}

async function environment(bundle: string, era: Era): Promise<void> {
  Object.assign(process.env, benchEnv);
  const { handler } = require(bundle) as { handler: StreamingHandler };
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write; // log lines formatted, not printed
  for (let i = 0; i < 2_000; i++) await invokeToEnd(handler, ERAS[era]);
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < 3_000; i++) if ((await invokeToEnd(handler, ERAS[era])).statusCode !== 200) throw new Error('call failed');
  const { user, system } = process.cpuUsage(cpu);
  process.stdout.write = write;
  console.log(JSON.stringify({ wall: ((performance.now() - started) * 1000) / 3_000, cpu: (user + system) / 3_000 }));
}

if (require.main === module) {
  void environment(process.argv[2]!, process.argv[3] as Era).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
