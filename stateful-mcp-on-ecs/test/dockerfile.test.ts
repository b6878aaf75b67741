/** No Docker engine runs here, so the image is checked in parts (shared/Dockerfile builds the stateless ECS sample too). */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ECS_DOCKERFILE, REPO_ROOT } from '../../shared/infra/image';
import { describeSampleDockerfile } from '../../shared/test-support/dockerfile';

describeSampleDockerfile('stateful-mcp-on-ecs', 'main.js');

describe('the stateful bundle in the image', () => {
  const dist = join(REPO_ROOT, 'stateful-mcp-on-ecs/dist');
  beforeAll(() => execFileSync('npm', ['run', 'build', '--workspace', 'stateful-mcp-on-ecs'], { cwd: REPO_ROOT, stdio: 'ignore' }), 60_000);

  it('ships a source map without the sources (27 MB less RSS at rest with --enable-source-maps), and a crash still names src/ files and lines with the CMD\'s flags', () => {
    const map = JSON.parse(readFileSync(join(dist, 'main.js.map'), 'utf8')) as { sources: string[]; sourcesContent?: unknown };
    expect(map.sourcesContent).toBeUndefined();
    const [, ...flags] = JSON.parse(/^CMD (\[.*\])$/m.exec(readFileSync(ECS_DOCKERFILE, 'utf8'))![1]!) as string[];
    // Production without MCP_ALLOWED_HOSTS stops at start with a ConfigError: a crash at a known line.
    const crash = spawnSync(process.execPath, flags, { cwd: dist, env: { PATH: process.env.PATH, NODE_ENV: 'production' }, encoding: 'utf8', timeout: 20_000 });
    expect(crash.status).not.toBe(0);
    expect(crash.stderr).toMatch(/at loadConfig \(.*shared\/src\/config\.ts:\d+:\d+\)/);
  });
});
