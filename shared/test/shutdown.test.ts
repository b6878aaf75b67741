import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

import { connect, text } from './support/clients';
import { startStateless } from './support/servers';

const countdown = (steps: number, delayMs: number) => ({ name: 'countdown', arguments: { steps, delayMs } });

describe('graceful shutdown', () => {
  it('lets an open request finish, then stops accepting', async () => {
    const server = await startStateless({}, 5_000);
    const client = await connect(server.url, 'modern');
    const call = client.callTool(countdown(5, 100));
    await new Promise((r) => setTimeout(r, 150));

    const started = Date.now();
    await server.shutdown();
    expect(text(await call)).toBe('Lift-off after 5 steps');
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it('cuts what is still open at the deadline', async () => {
    const server = await startStateless({}, 300);
    const client = await connect(server.url, 'legacy');
    const call = client.callTool(countdown(10, 1_000));
    await new Promise((r) => setTimeout(r, 150));

    const started = Date.now();
    await server.shutdown();
    expect(Date.now() - started).toBeLessThan(1_500);
    await expect(call).rejects.toThrow();
  });

  it('exits with code 0 on SIGTERM while a request is open', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures/stateless-server.ts')], {
      env: { ...process.env, MCP_SHUTDOWN_DEADLINE_MS: '3000' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const url = line.toString().trim();
      const client = await connect(url, 'modern');
      const call = client.callTool(countdown(3, 200));
      await new Promise((r) => setTimeout(r, 100));
      child.kill('SIGTERM');
      expect(text(await call)).toBe('Lift-off after 3 steps');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
