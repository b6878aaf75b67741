import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DockerIgnoreStrategy } from 'aws-cdk-lib';
import { build } from 'esbuild';

import { ECS_DOCKERFILE, ECS_SAMPLES, REPO_ROOT, dockerignorePatterns, imageAssetProps, type EcsSample } from '../infra/image';
import { startServerProcess } from '../../local/processes';
import { bundleOptions } from '../build-bundle';

/**
 * dockerfilelint's issues for a Dockerfile. The linter (1.8, the last release) predates `FROM`
 * flags and reads `--platform=…` as the image name, so the flags are dropped from the text it sees;
 * the image and its tag are still checked.
 */
export function dockerfilelintIssues(dockerfile: string): unknown[] {
  const text = readFileSync(dockerfile, 'utf8').replace(/^(FROM)\s+(--\S+\s+)+/gim, '$1 ');
  const report = JSON.parse(execFileSync(join(REPO_ROOT, 'node_modules/.bin/dockerfilelint'), ['-o', 'json'], { input: text, encoding: 'utf8' }));
  return report.files[0].issues;
}

/** shared/Dockerfile's exec-form `CMD`: the Node flags the image runs the bundle with, and its entry file. */
export function imageCommand(): { nodeFlags: string[]; entry: string } {
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(ECS_DOCKERFILE, 'utf8'));
  if (!cmd) throw new Error('shared/Dockerfile has no exec-form CMD');
  const [node, ...args] = JSON.parse(cmd[1]!) as string[];
  const entry = args.pop();
  if (node !== 'node' || !entry) throw new Error('shared/Dockerfile does not run node <entry>');
  return { nodeFlags: args, entry };
}

/**
 * A sample's bundle as its `build` script makes it (shared/build-bundle.ts), in a fresh folder of its
 * own: suites running at once never rebuild a bundle another one is running. Returns the `CMD`'s entry in it.
 */
export async function buildImageBundle(sample: EcsSample): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `${sample}-bundle-`));
  await build({ ...bundleOptions(join(REPO_ROOT, sample, 'src/main.ts'), dir), logLevel: 'error' });
  return join(dir, imageCommand().entry);
}

/**
 * The checks shared/Dockerfile gets for each ECS sample, with no Docker engine: it lints clean,
 * builds on the builder's platform in one stage and runs non-root on Node 22 in another with no
 * RUN and no HEALTHCHECK, it stops when `SAMPLE` is missing, each context (BuildKit's and the
 * sample's CDK asset) holds what it copies and little else, and the bundle its build stage makes
 * starts and serves `/health` and ships a source map a crash can use.
 */
export function describeSampleDockerfile(sample: EcsSample, bundle: string): void {
  const text = readFileSync(ECS_DOCKERFILE, 'utf8');
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim());
  const stages = lines.filter((l) => /^FROM /i.test(l));
  const runtime = lines.slice(lines.lastIndexOf(stages.at(-1)!));

  describe(`shared/Dockerfile with SAMPLE=${sample}`, () => {
    it('passes dockerfilelint with no issue', () => {
      expect(dockerfilelintIssues(ECS_DOCKERFILE)).toEqual([]);
    });

    it('builds in one stage and runs on a Node 22 image in another, as a user other than root', () => {
      expect(stages.length).toBeGreaterThanOrEqual(2);
      expect(stages.at(-1)).toMatch(/^FROM node:22-/);
      const user = runtime.filter((l) => l.startsWith('USER ')).at(-1);
      expect(user).toBeDefined();
      expect(user).not.toMatch(/^USER (root|0)\b/);
    });

    it('builds on the builder\'s own platform and runs nothing under the target one, so an x86 host builds the arm64 image without QEMU', () => {
      for (const build of stages.slice(0, -1)) expect(build).toMatch(/^FROM --platform=\$(BUILDPLATFORM|\{BUILDPLATFORM\}) /);
      expect(stages.at(-1)).not.toMatch(/--platform/);
      expect(runtime.filter((l) => /^RUN\b/i.test(l))).toEqual([]);
    });

    it('has no HEALTHCHECK, which ECS ignores: the ALB\'s /health check is the one (the stack test asserts it)', () => {
      expect(lines.filter((l) => /^HEALTHCHECK\b/i.test(l))).toEqual([]);
    });

    it('requires SAMPLE: each stage declares it before use, and the build stage stops with a message when it is missing', () => {
      const stageLines = stages.map((from, i) => lines.slice(lines.indexOf(from), i + 1 < stages.length ? lines.indexOf(stages[i + 1]!) : undefined));
      for (const stage of stageLines) {
        const use = stage.findIndex((l) => !l.startsWith('#') && /\$\{?SAMPLE\b/.test(l));
        const arg = stage.indexOf('ARG SAMPLE');
        expect([stage[0], use === -1 || (arg !== -1 && arg < use)]).toEqual([stage[0], true]);
      }
      const build = stageLines[0]!;
      expect(build.find((l) => !l.startsWith('#') && /\$\{?SAMPLE\b/.test(l))).toMatch(/\$\{SAMPLE:\?[^}]*--build-arg SAMPLE=[^}]+\}/);
    });

    it('copies only the bundle into the runtime stage, with no node_modules', () => {
      expect(runtime.filter((l) => l.startsWith('COPY '))).toEqual([expect.stringMatching(/^COPY --from=build .*\/dist\/ \.\/$/)]);
    });

    it.each([
      ['BuildKit', dockerignorePatterns(ECS_DOCKERFILE), []],
      ['the CDK asset', imageAssetProps(sample).exclude!, ECS_SAMPLES.filter((other) => other !== sample).map((other) => `${other}/src`)],
    ])('has every file it copies in the context %s sends, and little else', (_, patterns, alsoOut) => {
      const ignore = new DockerIgnoreStrategy(REPO_ROOT, patterns);
      const sources = lines
        .filter((l) => l.startsWith('COPY ') && !l.includes('--from'))
        .flatMap((l) => l.split(/\s+/).slice(1, -1))
        .map((source) => source.replaceAll('${SAMPLE}', sample));
      const at = (path: string) => join(REPO_ROOT, path);
      expect(sources).toContain(`${sample}/src`);
      for (const source of sources) expect([source, ignore.ignores(at(source))]).toEqual([source, false]);
      // The CDK runs `docker build` in its staged copy of the context, so the Dockerfile must be in it.
      expect(ignore.ignores(ECS_DOCKERFILE)).toBe(false);
      for (const out of ['node_modules', '.git', 'cdk.out', `${sample}/test`, `${sample}/README.md`, ...alsoOut, ...alsoOut.map((src) => `${src}/main.ts`)]) {
        expect([out, ignore.ignores(at(out))]).toEqual([out, true]);
      }
    });

    it('builds a bundle that starts in production mode and answers /health', async () => {
      execFileSync('npm', ['run', 'build', '--workspace', sample], { cwd: REPO_ROOT, stdio: 'ignore' });
      const server = await startServerProcess(join(REPO_ROOT, sample, 'dist', bundle), {
        NODE_ENV: 'production',
        MCP_ALLOWED_HOSTS: 'localhost',
        MCP_REQUEST_STATE_KEY: Buffer.alloc(32, 7).toString('base64'),
        MCP_AUTH: 'none', // production mode needs an authentication decision; this test is about the bundle
      });
      try {
        expect((await fetch(`${server.url}/health`)).status).toBe(200);
      } finally {
        await server.stop('SIGKILL');
      }
    }, 60_000);

    it('ships a source map without the sources (about 27 MiB less RSS at rest with --enable-source-maps), and a crash still names src/ files and lines with the CMD\'s flags', () => {
      const dist = join(REPO_ROOT, sample, 'dist');
      const map = JSON.parse(readFileSync(join(dist, `${bundle}.map`), 'utf8')) as { sourcesContent?: unknown };
      expect(map.sourcesContent).toBeUndefined();
      const { nodeFlags, entry } = imageCommand();
      expect(entry).toBe(bundle);
      // Production without MCP_ALLOWED_HOSTS stops at start with a ConfigError: a crash at a known line.
      const crash = spawnSync(process.execPath, [...nodeFlags, entry], { cwd: dist, env: { PATH: process.env.PATH, NODE_ENV: 'production' }, encoding: 'utf8', timeout: 20_000 });
      expect(crash.status).not.toBe(0);
      expect(crash.stderr).toMatch(/at loadConfig \(.*shared\/src\/config\.ts:\d+:\d+\)/);
    });
  });
}
