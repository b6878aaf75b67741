/**
 * The MCP Inspector's CLI as a second, independent client: `tools/list` and `tools/call ping` in
 * both eras. Its JSON output is parsed and checked, so a server that answers but answers wrongly fails.
 */
import { execFile } from 'node:child_process';

import { join } from 'node:path';

import { BASELINES, baselineEntries, checkReasons } from './suites';
import { tools } from './tools';

export type InspectorEra = 'legacy' | 'modern';

export interface SmokeResult {
  era: InspectorEra;
  /** Whether both calls answered as expected. */
  passed: boolean;
  /** Whether that matches the baseline: a listed era must fail, an unlisted one must pass. */
  ok: boolean;
  detail: string;
}

/** Both eras, judged against `baselines/<target>.inspector.yml` (entries are eras, each with its reason). */
export async function inspectorSmokeTest(target: string, mcpUrl: string): Promise<SmokeResult[]> {
  const file = join(BASELINES, `${target}.inspector.yml`);
  checkReasons(file);
  const expectedToFail = new Set(baselineEntries(file).map((entry) => entry.scenario));
  const results: SmokeResult[] = [];
  for (const era of ['legacy', 'modern'] as const) {
    const { passed, detail } = await inspectorSmoke(mcpUrl, era);
    const expected = expectedToFail.has(era);
    results.push({ era, passed, ok: passed !== expected, detail: passed && expected ? `stale baseline entry, now passes: ${detail}` : detail });
  }
  return results;
}

export async function inspectorSmoke(mcpUrl: string, era: InspectorEra): Promise<{ passed: boolean; detail: string }> {
  const eraArgs = era === 'modern' ? ['--protocol-era', 'modern'] : [];
  try {
    const list = JSON.parse(await inspect([mcpUrl, ...eraArgs, '--method', 'tools/list'])) as { tools?: Array<{ name: string }> };
    const names = (list.tools ?? []).map((tool) => tool.name);
    if (!names.includes('ping')) return { passed: false, detail: `tools/list has no ping: ${names.join(', ')}` };
    const call = JSON.parse(await inspect([mcpUrl, ...eraArgs, '--method', 'tools/call', '--tool-name', 'ping', '--format', 'json'])) as {
      result?: { structuredContent?: { pong?: boolean; era?: string; instance?: string } };
    };
    const pong = call.result?.structuredContent;
    if (pong?.pong !== true || pong.era !== era) return { passed: false, detail: `ping answered ${JSON.stringify(call)}` };
    return { passed: true, detail: `${names.length} tools; ping answered by ${pong.instance} in the ${pong.era} era` };
  } catch (error) {
    return { passed: false, detail: (error as Error).message };
  }
}

function inspect(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tools.node, [tools.inspector, '--cli', ...args], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`inspector ${args.slice(1).join(' ')} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}
