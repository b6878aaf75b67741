/**
 * `npm run inspector`: the MCP Inspector on its own Node 22, from this Node 20 repository. The CLI
 * form (`--method tools/list`) runs against every sample in start.test.ts, as the banner prints it;
 * this checks the web UI form and the refusals.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import type { Serving } from '@mcp-on-aws/shared';

import { freePort } from '../haproxy';
import { startStateless } from '../../shared/test/support/servers';
import { root, startDetached } from './support/detached';

let server: Serving;
beforeAll(async () => {
  server = await startStateless();
});
afterAll(() => server?.shutdown());

describe('npm run inspector', () => {
  // The first run on a fresh clone installs Node 22 and the Inspector (npm ci, about 30 s).
  jest.setTimeout(180_000);

  it('opens the web UI on the given server when no --method is given', async () => {
    const [uiPort, sandboxPort] = [await freePort(), await freePort()];
    const mcp = `${server.url}/mcp`;
    const ui = startDetached('npm', ['run', '--silent', 'inspector', '--', mcp], { ...process.env, CLIENT_PORT: String(uiPort), MCP_SANDBOX_PORT: String(sandboxPort), MCP_AUTO_OPEN_ENABLED: 'false' });
    const output = () => ui.stdout() + ui.stderr();
    try {
      const until = Date.now() + 150_000;
      while (!/Auth token: \w+/.test(output()) && ui.child.exitCode === null && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      const [, token] = /Auth token: (\w+)/.exec(output()) ?? [];
      expect({ token: typeof token, output: token ? '' : output() }).toEqual({ token: 'string', output: '' });
      expect(output()).toContain(`http://127.0.0.1:${uiPort}`);

      expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);
      const config = (await (await fetch(`http://127.0.0.1:${uiPort}/api/config`, { headers: { 'x-mcp-remote-auth': `Bearer ${token}` } })).json()) as Record<string, unknown>;
      expect(config).toMatchObject({ defaultServerUrl: mcp, defaultTransport: 'streamable-http' });
    } finally {
      await ui.stop('SIGTERM');
    }
  });

  it('refuses a missing or non-HTTP URL with its usage and exit 2', async () => {
    const runs = await Promise.all(
      [[], ['ftp://example.com/mcp', '--method', 'tools/list']].map((args) =>
        promisify(execFile)('npm', ['run', '--silent', 'inspector', '--', ...args], { cwd: root }).catch((error: { code: number; stderr: string }) => error),
      ),
    );
    expect(runs.map((run) => (run as { code: number }).code)).toEqual([2, 2]);
    expect((runs[0] as { stderr: string }).stderr).toContain("npm run inspector: the first argument must be the server's MCP URL, got nothing");
    expect((runs[1] as { stderr: string }).stderr).toContain('got "ftp://example.com/mcp"');
    for (const run of runs) expect((run as { stderr: string }).stderr).toContain('usage: npm run inspector -- <http(s) MCP URL>');
  });
});
