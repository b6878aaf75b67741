/**
 * `npm run conformance`: every server mode × both conformance suites, plus the Inspector smoke test.
 * Prints one table and exits non-zero on an unexpected failure, a stale baseline entry or a failed
 * smoke call. `--update-table` rewrites the table in conformance/README.md from this run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { inspectorSmokeTest, type SmokeResult } from './inspector';
import { SUITES, runSuite, type SuiteResult } from './suites';
import { TARGETS, type Target } from './targets';
import { ensureTools } from './tools';

export interface TargetReport {
  target: Target;
  suites: Record<string, SuiteResult>;
  smoke: SmokeResult[];
}

export interface ConformanceReport {
  targets: TargetReport[];
  ok: boolean;
  seconds: number;
  table: string;
}

export async function runConformance(log: (line: string) => void = console.log, only?: string[]): Promise<ConformanceReport> {
  const started = performance.now();
  ensureTools(log);
  const targets: TargetReport[] = [];
  // One target at a time: the suites are sequential anyway, and 2 cores are shared.
  for (const target of TARGETS.filter((t) => !only?.length || only.includes(t.name))) {
    log(`▶ ${target.name}: ${target.shape}`);
    const server = await target.start();
    try {
      const suites: Record<string, SuiteResult> = {};
      for (const suite of SUITES) {
        suites[suite.name] = await runSuite(suite, target.name, server.mcpUrl);
        const result = suites[suite.name]!;
        const unscored = result.unscored.length ? ` (${result.unscored.length} unscored extension scenarios left out)` : '';
        log(`  ${suite.name}: ${result.passed} passed, ${result.failed} failed, ${result.warnings} warnings${unscored}; baseline ${result.baselineOk ? 'holds' : 'BROKEN'}`);
        if (!result.baselineOk) log(result.report);
      }
      const smoke = await inspectorSmokeTest(target.name, server.mcpUrl);
      for (const s of smoke) log(`  inspector ${s.era}: ${s.passed ? 'passed' : 'failed'}${s.ok ? '' : ' (NOT AS BASELINED)'}: ${s.detail}`);
      targets.push({ target, suites, smoke });
    } finally {
      await server.stop();
    }
  }
  const ok = targets.every((t) => Object.values(t.suites).every((s) => s.baselineOk) && t.smoke.every((s) => s.ok));
  return { targets, ok, seconds: Math.round((performance.now() - started) / 1000), table: table(targets) };
}

/** sample × suite → passed/failed checks, with the Inspector column and the baseline verdict. */
export function table(targets: TargetReport[]): string {
  const head = ['sample', ...SUITES.map((s) => `${s.name} suite: passed / failed (warnings)`), 'expected failures (2025 / 2026)', 'Inspector CLI (legacy / modern)', 'verdict'];
  const rows = targets.map(({ target, suites, smoke }) => {
    const ok = Object.values(suites).every((s) => s.baselineOk) && smoke.every((s) => s.ok);
    return [
      `\`${target.name}\``,
      ...SUITES.map((s) => `${suites[s.name]!.passed} / ${suites[s.name]!.failed} (${suites[s.name]!.warnings})`),
      SUITES.map((s) => suites[s.name]!.expected).join(' / '),
      smoke.map((s) => (s.passed ? 'ok' : 'fails')).join(' / '),
      ok ? 'pass' : 'FAIL',
    ];
  });
  return [head, head.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

const README = join(__dirname, '..', 'README.md');
const MARKS = ['<!-- conformance-table:start -->', '<!-- conformance-table:end -->'] as const;

function updateReadme(report: ConformanceReport): void {
  const text = readFileSync(README, 'utf8');
  const [start, end] = [text.indexOf(MARKS[0]), text.indexOf(MARKS[1])];
  if (start < 0 || end < 0) throw new Error(`${README} has no ${MARKS[0]} … ${MARKS[1]} block`);
  writeFileSync(README, `${text.slice(0, start + MARKS[0].length)}\n${report.table}\n${text.slice(end)}`);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const only = args.filter((arg) => !arg.startsWith('--'));
  runConformance(console.log, only).then(
    (report) => {
      console.log(`\n${report.table}\n\nconformance: ${report.ok ? 'pass' : 'FAIL'} in ${report.seconds} s`);
      if (args.includes('--update-table')) updateReadme(report);
      process.exit(report.ok ? 0 : 1);
    },
    (error: Error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
