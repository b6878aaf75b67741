/**
 * What the Node side of `/mcp` (`src/http/node-handler.ts`) must keep, whatever adapter it uses: a
 * call is cancelled when its client leaves, and progress leaves while the call runs, not with its
 * answer. Real servers on loopback, raw HTTP clients.
 */
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

import type { ServerExtension, Serving } from '../src';
import { startStateless } from './support/servers';

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'node-handler-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

type Era = 'legacy' | 'modern';

function callTool(era: Era, name: string, args: Record<string, unknown>, meta: Record<string, unknown> = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (era === 'modern') Object.assign(headers, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': name });
  const _meta = era === 'modern' ? { ...MODERN_META, ...meta } : meta;
  return { headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args, _meta } }) };
}

/** A tool that runs until its call is cancelled, and says when it started and when it saw the cancel. */
function waiter() {
  let started!: () => void;
  let cancelled!: () => void;
  const probe = {
    started: new Promise<void>((resolve) => (started = resolve)),
    cancelled: new Promise<void>((resolve) => (cancelled = resolve)),
  };
  const extension: ServerExtension = {
    register(server) {
      server.registerTool('wait_for_cancel', { description: 'Runs until cancelled (10 s at most).' }, async (ctx) => {
        started();
        const signal = ctx.mcpReq.signal;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 10_000);
          signal.addEventListener('abort', () => (clearTimeout(timer), cancelled(), resolve()), { once: true });
        });
        return { content: [{ type: 'text', text: 'done' }] };
      });
    },
  };
  return { probe, extension };
}

let server: Serving | undefined;
afterEach(async () => {
  await server?.shutdown();
  server = undefined;
});

/** The stateless server as the samples wire it, stopped after each test. */
async function start(extensions: ServerExtension[] = []): Promise<Serving> {
  server = await startStateless({}, 1_000, extensions);
  return server;
}

describe('MCP over node:http', () => {
  it.each(['legacy', 'modern'] as const)('cancels a call whose client leaves before the answer (%s era)', async (era) => {
    const { probe, extension } = waiter();
    const { url } = await start([extension]);
    const { headers, body } = callTool(era, 'wait_for_cancel', {});
    const client = request(`${url}/mcp`, { method: 'POST', headers });
    client.on('error', () => {}); // the socket this test destroys
    client.end(body);
    await probe.started;
    client.destroy();
    const outcome = await Promise.race([probe.cancelled.then(() => 'cancelled'), sleep(3_000, 'still running', { ref: false })]);
    expect(outcome).toBe('cancelled');
  });

  it.each(['legacy', 'modern'] as const)('sends each progress notification as it happens, before the answer (%s era)', async (era) => {
    const { url } = await start();
    const { headers, body } = callTool(era, 'countdown', { steps: 3, delayMs: 300 }, { progressToken: 'p' });
    const arrivals: Array<{ at: number; kind: 'progress' | 'answer' }> = [];
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const client = request(`${url}/mcp`, { method: 'POST', headers }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          for (const [, data] of chunk.matchAll(/^data: (.+)$/gm)) {
            arrivals.push({ at: performance.now() - started, kind: JSON.parse(data!).method === 'notifications/progress' ? 'progress' : 'answer' });
          }
        });
        res.on('end', resolve);
      });
      client.on('error', reject);
      client.end(body);
    });
    expect(arrivals.map((a) => a.kind)).toEqual(['progress', 'progress', 'progress', 'answer']);
    // The first step ends 300 ms in and the answer after 900 ms: the first progress may not wait for it.
    expect(arrivals[3]!.at - arrivals[0]!.at).toBeGreaterThan(400);
  });
});
