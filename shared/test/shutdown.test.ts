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

  it.each(['legacy', 'modern'] as const)('answers a %s request still open at the deadline with "shutting down, retry"', async (era) => {
    const server = await startStateless({}, 300);
    const modern = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'countdown' };
    const response = fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(era === 'modern' ? modern : { 'mcp-protocol-version': '2025-11-25' }) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { ...countdown(10, 1_000), ...(era === 'modern' && { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } }) } }),
    });
    await new Promise((r) => setTimeout(r, 150));
    const shutdown = server.shutdown();
    const body = await (await response).text();
    await shutdown;
    expect(body).toContain('"id":7');
    expect(body).toContain('Server shutting down, retry');
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
