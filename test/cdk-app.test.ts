/**
 * The CDK entry as a user runs it: the real CLI, offline, with cdk-nag on. Each sample's own tests
 * assert its template; this one proves cdk.json, the entry and the three stacks fit together.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..');
const run = promisify(execFile);

describe('npx cdk synth', () => {
  it('synthesizes the three independent stacks offline, with no Docker, no credentials and no unconfigured feature flag', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
    try {
      const synth = await run('npx', ['cdk', 'synth', '--no-notices', '-q', '--output', out], {
        cwd: root,
        timeout: 170_000,
        // No credentials and no region: a stack that needed a lookup would fail here.
        env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', AWS_REGION: '', AWS_DEFAULT_REGION: '' },
      });
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string; dependencies?: string[] }> };
      const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
      expect(stacks.map(([name]) => name).sort()).toEqual(['StatefulMcpOnEcs', 'StatelessMcpOnEcs', 'StatelessMcpOnLambda']);
      // Independent: no stack depends on another (assets only).
      for (const [, artifact] of stacks) expect((artifact.dependencies ?? []).filter((d) => !d.endsWith('.assets'))).toEqual([]);
      // cdk.json sets every flag `cdk init` writes, so synth has nothing to say about them.
      expect(synth.stdout + synth.stderr).not.toMatch(/feature flags? (is|are) not configured/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);
});
