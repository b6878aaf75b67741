/**
 * The client CLI as a script or CI runs it: the real process against a real server on loopback,
 * with no terminal on standard input. It must never wait for an answer that cannot come.
 */
import { join } from 'node:path';

import type { Serving } from '@mcp-on-aws/shared';

import { runClientCli } from '../../shared/test/support/client-cli';
import { startStateless } from '../../shared/test/support/servers';
import { startStateful } from './support/stateful';

const CLI = join(__dirname, '../client/cli.ts');
const HINT = 'pass --confirm=yes or --confirm=no to answer without asking';
const cli = (url: string, args: string[], stdin: string | null) => runClientCli(CLI, url, args, stdin);

let stateful: Serving & { mcp: string };
let stateless: Serving;
beforeAll(async () => {
  [stateful, stateless] = await Promise.all([startStateful(), startStateless()]);
});
afterAll(async () => {
  await Promise.all([stateful?.shutdown(), stateless?.shutdown()]);
});

describe('the stateful client CLI without a terminal', () => {
  it('takes the default, no, at once when standard input ends, and says how to pass --confirm', async () => {
    const run = await cli(stateful.mcp, ['--pings=2', '--increments=1'], null);
    expect(run.stdout).toContain(`standard input is not a terminal: the answer is read from it, "no" at its end; ${HINT}`);
    expect(run.stdout).toContain('Confirm: restart the demo? [y/N] (end of input: no)');
    expect(run.stdout).toContain('confirm_action: Not done: "restart the demo" was not confirmed (unchecked).');
    expect(run.stdout).toMatch(/^OK: 2 pings on solo, counter 1\.\.1, 1 updates, countdown 3\/3, 0 re-initializations$/m);
    expect(run.code).toBe(0);
    // Before, it waited for the SDK's 60 s request timeout and failed with "Request timed out".
    expect(run.ms).toBeLessThan(20_000);
  });

  it('reads the answer from a pipe', async () => {
    const run = await cli(stateful.mcp, ['--pings=1', '--increments=1'], 'y\n');
    expect(run.stdout).toContain(HINT);
    expect(run.stdout).toContain('Confirm: restart the demo? [y/N] y\n');
    expect(run.stdout).toContain('confirm_action: Done: "restart the demo" was confirmed.');
    expect(run.code).toBe(0);
  });

  it('asks nothing when --confirm answers', async () => {
    const run = await cli(stateful.mcp, ['--pings=1', '--increments=1', '--confirm=yes'], null);
    expect(run.stdout).not.toContain('standard input');
    expect(run.stdout).not.toContain('[y/N]');
    expect(run.stdout).toContain('confirm_action: Done: "restart the demo" was confirmed.');
    expect(run.code).toBe(0);
  });
});

describe('the stateful client CLI refuses', () => {
  it('a wrong option with its usage and exit 2, before connecting', async () => {
    const runs = await Promise.all([['--confirm=maybe'], ['--pings=0'], ['--pingz=3']].map((args) => cli(stateful.mcp, args, null)));
    expect(runs.map((run) => [run.code, run.stdout, run.stderr.split('\n')[0]])).toEqual([
      [2, '', '--confirm takes yes or no, got "maybe"'],
      [2, '', '--pings must be an integer from 1 to 100, got "0"'],
      [2, '', expect.stringContaining("Unknown option '--pingz'")],
    ]);
    for (const run of runs) expect(run.stderr).toContain('usage: MCP_SERVER_URL=http://<alb-dns>/mcp npm run client -w stateful-mcp-on-ecs');
  });

  it('a server without sessions, with exit 1', async () => {
    const run = await cli(`${stateless.url}/mcp`, ['--confirm=no'], null);
    expect(run.stdout.trim()).toBe('FAIL: the server gave no Mcp-Session-Id: is this the stateful sample?');
    expect(run.code).toBe(1);
  });
});
