import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

import { connect, text } from './support/clients';
import { startStateless } from './support/servers';

const countdown = (steps: number, delayMs: number) => ({ name: 'countdown', arguments: { steps, delayMs } });

/** Calls countdown and resolves `started` at its first progress: the call is then in flight on the server, however loaded the machine. */
function startCountdown(client: Awaited<ReturnType<typeof connect>>, steps: number, delayMs: number) {
  let progressed!: () => void;
  const started = new Promise<void>((resolve) => (progressed = resolve));
  const call = client.callTool(countdown(steps, delayMs), { onprogress: () => progressed() });
  return { call, started };
}

describe('graceful shutdown', () => {
  it('lets an open request finish, then stops accepting', async () => {
    const server = await startStateless({}, 5_000);
    const client = await connect(server.url, 'modern');
    const { call, started: inFlight } = startCountdown(client, 5, 100);
    await inFlight;

    const started = Date.now();
    await server.shutdown();
    expect(text(await call)).toBe('Lift-off after 5 steps');
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it('cuts what is still open at the deadline', async () => {
    const server = await startStateless({}, 300);
    const client = await connect(server.url, 'legacy');
    const { call, started: inFlight } = startCountdown(client, 10, 1_000);
    await inFlight;

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
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { ...countdown(10, 1_000), _meta: era === 'modern' ? { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } : { progressToken: 1 } } }),
    });
    // The 2025-era answer streams its first progress, so its headers say the call is in flight (the
    // error then comes as an event); the 2026-era one is one JSON body, so nothing is sent before the
    // deadline (the error then comes as a 503): half a second of its ten is time enough to arrive.
    if (era === 'legacy') await response;
    else await new Promise((r) => setTimeout(r, 500));
    const shutdown = server.shutdown();
    const answer = await response;
    const body = await answer.text();
    await shutdown;
    expect(answer.status).toBe(era === 'modern' ? 503 : 200);
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
      const { call, started } = startCountdown(client, 3, 200);
      await started;
      child.kill('SIGTERM');
      expect(text(await call)).toBe('Lift-off after 3 steps');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
