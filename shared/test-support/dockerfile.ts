import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DockerIgnoreStrategy } from 'aws-cdk-lib';

import { REPO_ROOT, dockerignorePatterns } from '../infra/image';
import { startServerProcess } from '../../local/processes';

/**
 * The checks every ECS sample's Dockerfile gets, with no Docker engine: it lints clean, builds in
 * one stage and runs non-root on Node 22 with a HEALTHCHECK, its context holds exactly what it
 * copies, and the bundle its build stage makes starts and serves `/health`.
 */
export function describeSampleDockerfile(workspace: string, bundle: string): void {
  const dockerfile = join(REPO_ROOT, workspace, 'Dockerfile');
  const text = readFileSync(dockerfile, 'utf8');
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim());
  const stages = lines.filter((l) => /^FROM /i.test(l));
  const runtime = lines.slice(lines.lastIndexOf(stages.at(-1)!));

  describe(`${workspace}/Dockerfile`, () => {
    it('passes dockerfilelint with no issue', () => {
      const report = JSON.parse(execFileSync(join(REPO_ROOT, 'node_modules/.bin/dockerfilelint'), ['-o', 'json', dockerfile], { encoding: 'utf8' }));
      expect(report.files[0].issues).toEqual([]);
    });

    it('builds in one stage and runs on a Node 22 image in another, as a user other than root, with a HEALTHCHECK on /health', () => {
      expect(stages.length).toBeGreaterThanOrEqual(2);
      expect(stages.at(-1)).toMatch(/^FROM node:22-/);
      const user = runtime.filter((l) => l.startsWith('USER ')).at(-1);
      expect(user).toBeDefined();
      expect(user).not.toMatch(/^USER (root|0)\b/);
      expect(runtime.find((l) => l.startsWith('HEALTHCHECK '))).toContain('/health');
    });

    it('copies only the bundle into the runtime stage, with no node_modules', () => {
      expect(runtime.filter((l) => l.startsWith('COPY '))).toEqual([expect.stringMatching(/^COPY --from=build .*\/dist\/ \.\/$/)]);
    });

    it('has every file it copies in the build context, and little else', () => {
      const ignore = new DockerIgnoreStrategy(REPO_ROOT, dockerignorePatterns(dockerfile));
      const sources = lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from')).flatMap((l) => l.split(/\s+/).slice(1, -1));
      const at = (path: string) => join(REPO_ROOT, path);
      for (const source of sources) expect([source, ignore.ignores(at(source))]).toEqual([source, false]);
      // The CDK runs `docker build` in its staged copy of the context, so the Dockerfile must be in it.
      expect(ignore.ignores(dockerfile)).toBe(false);
      for (const out of ['node_modules', '.git', 'cdk.out', `${workspace}/test`, `${workspace}/README.md`]) {
        expect([out, ignore.ignores(at(out))]).toEqual([out, true]);
      }
    });

    it('builds a bundle that starts in production mode and answers /health', async () => {
      execFileSync('npm', ['run', 'build', '--workspace', workspace], { cwd: REPO_ROOT, stdio: 'ignore' });
      const server = await startServerProcess(join(REPO_ROOT, workspace, 'dist', bundle), {
        NODE_ENV: 'production',
        MCP_ALLOWED_HOSTS: 'localhost',
        MCP_REQUEST_STATE_KEY: Buffer.alloc(32, 7).toString('base64'),
      });
      try {
        expect((await fetch(`${server.url}/health`)).status).toBe(200);
      } finally {
        await server.stop('SIGKILL');
      }
    }, 60_000);
  });
}
