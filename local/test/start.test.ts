import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { freePort } from '../haproxy';
import { connect } from '../../shared/test/support/clients';

const root = join(__dirname, '../..');
const run = promisify(execFile);

/** Processes whose environment carries the marker: the runner and every child it started. */
function processesMarked(marker: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker);
      } catch {
        return false; // gone already, or not ours to read
      }
    })
    .map(Number);
}

async function waitFor(output: () => string, text: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!output().includes(text)) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output()}`);
    if (Date.now() > until) throw new Error(`npm start did not print "${text}" within ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start', () => {
  jest.setTimeout(180_000);

  it('serves all three samples, each usable by a real client, and Ctrl-C leaves no process behind', async () => {
    const marker = `MCP_START_SMOKE=${randomUUID()}`;
    const [lambda, stateless, stateful] = [await freePort(), await freePort(), await freePort()];
    // detached: its own process group, so the SIGINT below reaches it as a terminal's Ctrl-C does.
    const child = spawn('npm', ['start', '--silent'], {
      cwd: root,
      detached: true,
      env: { ...process.env, LAMBDA_PORT: String(lambda), STATELESS_PORT: String(stateless), STATEFUL_PORT: String(stateful), [marker.split('=')[0]!]: marker.split('=')[1] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = once(child, 'exit');

    try {
      await waitFor(() => output, 'Ctrl-C stops everything', child, 90_000);
      expect(output).toContain(`http://127.0.0.1:${lambda}/local/mcp`);
      expect(output).toContain(`http://127.0.0.1:${stateless}/mcp`);
      expect(output).toContain(`http://127.0.0.1:${stateful}/mcp`);
      expect(processesMarked(marker).length).toBeGreaterThanOrEqual(8); // npm, the runner, 1 + 3 + 3 servers

      for (const url of [`http://127.0.0.1:${lambda}/local`, `http://127.0.0.1:${stateless}`]) {
        for (const era of ['legacy', 'modern'] as const) {
          const client = await connect(url, era);
          const result = await client.callTool({ name: 'ping', arguments: {} });
          expect(result.structuredContent).toMatchObject({ pong: true, era });
          await client.close();
        }
      }

      // The stateful sample's own client checks what it receives and exits non-zero otherwise.
      const cli = await run(process.execPath, ['--import', 'tsx', 'stateful-mcp-on-ecs/client/cli.ts', '--confirm=yes'], {
        cwd: root,
        env: { ...process.env, MCP_SERVER_URL: `http://127.0.0.1:${stateful}/mcp` },
        timeout: 60_000,
      });
      expect(cli.stdout).toMatch(/ping 5: instance \S+/);
    } finally {
      process.kill(-child.pid!, 'SIGINT');
      await exited;
    }
    const until = Date.now() + 10_000;
    while (processesMarked(marker).length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(processesMarked(marker)).toEqual([]);
  });

  it('names the port when it is already taken', async () => {
    const port = await freePort();
    const blocker = require('node:net').createServer().listen(port, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const result = await run(process.execPath, ['--import', 'tsx', 'local/start.ts', 'stateless-mcp-on-ecs'], {
        cwd: root,
        env: { ...process.env, STATELESS_PORT: String(port) },
      }).catch((error: { code: number; stderr: string }) => error);
      expect(result).toMatchObject({ code: 1 });
      expect((result as { stderr: string }).stderr).toContain(`port ${port} is already in use; set STATELESS_PORT to another port`);
    } finally {
      blocker.close();
    }
  });

  it('refuses an unknown sample by listing the real ones', async () => {
    const result = await run(process.execPath, ['--import', 'tsx', 'local/start.ts', 'nope'], { cwd: root }).catch((error: { stderr: string }) => error);
    expect((result as { stderr: string }).stderr).toContain('unknown sample nope; choose from stateless-mcp-on-lambda, stateless-mcp-on-ecs, stateful-mcp-on-ecs');
  });
});
