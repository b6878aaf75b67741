/**
 * Runs one conformance suite against one server and reads the verdict the suite itself gives
 * against our baseline file: unexpected failures and stale baseline entries both fail the run.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { tools } from './tools';

export interface Suite {
  name: string;
  label: string;
  cli: string;
  args: string[];
}

export const SUITES: Suite[] = [
  { name: '2025', label: 'conformance 0.1.16, --suite all', cli: tools.conformance2025, args: ['--suite', 'all'] },
  { name: '2026', label: 'conformance 0.2.0-alpha.12, --requirements 2026-07-28', cli: tools.conformance2026, args: ['--requirements', '2026-07-28'] },
];

export const BASELINES = join(__dirname, '..', 'baselines');

export interface SuiteResult {
  passed: number;
  failed: number;
  warnings: number;
  /** Scenarios with a failed check or a warning (the suites leave unscored extensions out of the baseline verdict). */
  failingScenarios: string[];
  /** Extension scenarios the suite runs but does not score for the revision (left out of the counts). */
  unscored: string[];
  /** How many scenarios the baseline file expects to fail. */
  expected: number;
  baselineOk: boolean;
  /** The suite's own baseline report: unexpected failures and stale entries. */
  report: string;
}

export async function runSuite(suite: Suite, target: string, mcpUrl: string): Promise<SuiteResult> {
  const baseline = baselinePath(target, suite);
  checkReasons(baseline);
  const out = mkdtempSync(join(tmpdir(), `conformance-${target}-${suite.name}-`));
  try {
    const { code, stdout } = await run(tools.node, [suite.cli, 'server', '--url', mcpUrl, ...suite.args, '-o', out, '--expected-failures', baseline]);
    const unscored = await unscoredScenarios(suite);
    const checks = readdirSync(out)
      .flatMap((dir) => readChecks(join(out, dir)))
      .filter((check) => !unscored.includes(check.scenario));
    const count = (status: string) => checks.filter((check) => check.status === status).length;
    const failingScenarios = [...new Set(checks.filter((check) => check.status === 'FAILURE' || check.status === 'WARNING').map((check) => check.scenario))].sort();
    const from = ['Expected failures (in baseline)', 'Stale baseline entries', 'Unexpected failures'].map((mark) => stdout.indexOf(mark)).filter((i) => i >= 0);
    const report = stdout.slice(from.length ? Math.min(...from) : Math.max(0, stdout.length - 1500)).replace(/\x1b\[\d+m/g, '');
    const expected = baselineEntries(baseline).length;
    return { passed: count('SUCCESS'), failed: count('FAILURE'), warnings: count('WARNING'), failingScenarios, unscored, expected, baselineOk: code === 0, report };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export function baselinePath(target: string, suite: Suite): string {
  return join(BASELINES, `${target}.${suite.name}.yml`);
}

/** The `  - scenario # reason` lines of a baseline file. */
export function baselineEntries(file: string): Array<{ scenario: string; reason: string }> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => /^\s*-\s*([\w-]+)\s*(?:#\s*(.*))?$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ scenario: match[1]!, reason: (match[2] ?? '').trim() }));
}

/** Every baseline entry carries a reason: `  - scenario # why it fails`. */
export function checkReasons(file: string): void {
  const bare = baselineEntries(file).filter((entry) => entry.reason.length < 10);
  if (bare.length) throw new Error(`${file}: baseline entries without a reason: ${bare.map((entry) => entry.scenario).join(', ')}`);
}

/** Scenarios tagged [extension] or [draft] in `list --server`: a suite may run them, but they do not score conformance. */
async function unscoredScenarios(suite: Suite): Promise<string[]> {
  const { stdout } = await run(tools.node, [suite.cli, 'list', '--server']);
  return [...stdout.matchAll(/^\s+- ([\w-]+) \[(?:extension|draft)\]$/gm)].map((match) => match[1]!);
}

/** Each scenario directory is named `server-<scenario>-<timestamp>` and holds a checks.json. */
function readChecks(dir: string): Array<{ status: string; scenario: string }> {
  const scenario = /^server-(.+)-\d{4}-\d\d-\d\dT/.exec(dir.split('/').pop()!)?.[1] ?? dir;
  try {
    return (JSON.parse(readFileSync(join(dir, 'checks.json'), 'utf8')) as Array<{ status: string }>).map((check) => ({ ...check, scenario }));
  } catch {
    return [];
  }
}

function run(file: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    // The suites bound each scenario themselves (30 s); this bounds a hung tool.
    execFile(file, args, { timeout: 5 * 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: stdout + stderr });
    });
  });
}
