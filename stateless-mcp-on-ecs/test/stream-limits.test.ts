/**
 * The stream limits of the shared HTTP shell, on the stateless server's own app over loopback: a
 * task holds at most `MCP_MAX_LISTEN_STREAMS` 2026-era listen streams (then 503), and one client at
 * most `MCP_MAX_STREAMS_PER_CLIENT` open streams (then 429). Clients are told apart by the right-most
 * `X-Forwarded-For` hop, the one the ALB appends.
 */
import { loadConfig, serve } from '@mcp-on-aws/shared';

import { listenRequest, openStream, raw, type OpenStream } from '../../shared/test/support/raw-http';
import { createStatelessApp } from '../src/app';

const quiet = () => {};

async function withServer(env: NodeJS.ProcessEnv, test: (mcp: string) => Promise<void>): Promise<void> {
  const { app, onShutdown } = createStatelessApp({ config: loadConfig(env), instance: { id: 'solo', platform: 'local', version: '0.1.0' }, log: quiet });
  const server = await serve(app, { port: 0, host: '127.0.0.1', deadlineMs: 1_000, onShutdown, log: quiet });
  try {
    await test(`${server.url}/mcp`);
  } finally {
    await server.shutdown();
  }
}

const listen = (mcp: string, client: string) => openStream(mcp, { method: 'POST', headers: { ...listenRequest.headers, 'x-forwarded-for': client }, body: listenRequest.body });

/** A stream's end reaches the server a moment after the client closes it: retries, a bounded number of times. */
async function eventually(open: () => Promise<OpenStream>): Promise<OpenStream> {
  for (let tries = 1; ; tries++) {
    const stream = await open();
    if (stream.status === 200 || tries === 50) return stream;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function expectRefused(stream: OpenStream, status: number, message: string): void {
  expect(stream.status).toBe(status);
  expect(stream.headers['retry-after']).toBe('5');
  expect(stream.headers['content-type']).toMatch(/^application\/json/);
  expect(stream.error).toEqual({ code: -32000, message: expect.stringContaining(message) });
}

describe('stream limits on the stateless server', () => {
  it('answers a listen stream past MCP_MAX_LISTEN_STREAMS with 503, Retry-After and a JSON-RPC error, and takes one again once a stream ends', async () => {
    await withServer({ MCP_MAX_LISTEN_STREAMS: '3' }, async (mcp) => {
      const streams = await Promise.all(['203.0.113.1', '203.0.113.2', '203.0.113.3'].map((client) => listen(mcp, client)));
      expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
      expectRefused(await listen(mcp, '203.0.113.4'), 503, 'Too many subscriptions/listen streams on this instance (3)');
      streams[0]!.close();
      const next = await eventually(() => listen(mcp, '203.0.113.4'));
      expect(next.status).toBe(200);
      [...streams, next].forEach((s) => s.close());
    });
  });

  it('answers a client past MCP_MAX_STREAMS_PER_CLIENT with 429 and Retry-After, counted by the right-most X-Forwarded-For hop, and serves the others', async () => {
    await withServer({ MCP_MAX_STREAMS_PER_CLIENT: '2' }, async (mcp) => {
      const mine = [await listen(mcp, '203.0.113.9'), await listen(mcp, '10.0.0.1, 203.0.113.9')];
      expect(mine.map((s) => s.status)).toEqual([200, 200]);
      expectRefused(await listen(mcp, '203.0.113.9'), 429, 'Too many open streams from this client (2)');
      // What is left of the last hop is the client's own word: it cannot pass for someone else.
      expectRefused(await listen(mcp, '198.51.100.7, 203.0.113.9'), 429, 'Too many open streams');
      const other = await listen(mcp, '203.0.113.10');
      expect(other.status).toBe(200);
      [...mine, other].forEach((s) => s.close());
    });
  });

  it("does not count a POST's SSE answer as a stream: a client at its limit still calls tools", async () => {
    await withServer({ MCP_MAX_STREAMS_PER_CLIENT: '1' }, async (mcp) => {
      const held = await listen(mcp, '203.0.113.9');
      expect(held.status).toBe(200);
      const countdown = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'countdown', arguments: { steps: 2, delayMs: 50 } } });
      const call = await raw(mcp, { headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-forwarded-for': '203.0.113.9' }, body: countdown });
      expect(call.status).toBe(200);
      expect(call.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(call.text).toContain('"result"');
      held.close();
    });
  });

  it('counts an IPv6 client by its /64, the block one subscriber holds', async () => {
    await withServer({ MCP_MAX_STREAMS_PER_CLIENT: '2' }, async (mcp) => {
      const mine = [await listen(mcp, '2001:db8:a:b::1'), await listen(mcp, '2001:db8:a:b:ffff::2')];
      expect(mine.map((s) => s.status)).toEqual([200, 200]);
      expectRefused(await listen(mcp, '2001:DB8:A:B::3'), 429, 'Too many open streams');
      const neighbour = await listen(mcp, '2001:db8:a:c::1');
      expect(neighbour.status).toBe(200);
      [...mine, neighbour].forEach((s) => s.close());
    });
  });
});
