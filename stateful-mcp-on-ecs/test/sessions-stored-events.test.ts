/** What a session's stored SSE events may cost: bytes per session, bytes per process, answered POST streams; and what replay still does within them. */
import { request } from 'node:http';

import { raw } from '../../shared/test/support/raw-http';
import { MemorySessionStore } from '../src/memory-session-store';
import { loadSessionConfig } from '../src/session-config';
import { startStateful } from './support/stateful';

const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
const tenKb = 'x'.repeat(10_000);

type Session = Record<string, string>;

/** A stateful server on loopback with its in-memory store in hand, to read what it keeps. */
async function start(env: NodeJS.ProcessEnv) {
  const store = new MemorySessionStore(loadSessionConfig(env));
  const server = await startStateful(env, 'solo', 2_000, store);
  return { server, store, mcp: server.mcp };
}

async function rawSession(mcp: string): Promise<Session> {
  const init = await raw(mcp, { headers, body: initialize });
  const session = { ...headers, 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
  await raw(mcp, { headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  return session;
}

/** Calls echo with `message` on its own POST stream; returns the stream's event ids, priming first. */
async function echo(mcp: string, session: Session, id: number, message = tenKb): Promise<string[]> {
  const response = await raw(mcp, { headers: session, body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message } } }) });
  expect(response.status).toBe(200);
  expect(response.text).toContain(message);
  return [...response.text.matchAll(/^id: (.+)$/gm)].map((m) => m[1]!);
}

/** Resumes a stream after `lastEventId`, as a client that lost it does. */
const resume = (mcp: string, session: Session, lastEventId: string) => raw(mcp, { method: 'GET', headers: { ...session, accept: 'text/event-stream', 'last-event-id': lastEventId } });

describe('stored events per session', () => {
  it('keeps a session fed 95 answers of 10 KB under its byte bound; a replay from an evicted event is refused as an unknown one', async () => {
    const { server, store, mcp } = await start({ MCP_EVENT_BYTES_PER_SESSION: '65536', MCP_ANSWERED_STREAMS_PER_SESSION: '1000' });
    try {
      const session = await rawSession(mcp);
      const streams: string[][] = [];
      for (let i = 1; i <= 95; i++) streams.push(await echo(mcp, session, i));
      // Six answers fit in 64 KiB; 95 of them would be 960 KB (and 100 events, 50 answers, before this bound).
      expect(store.eventMemory.bytes).toBeLessThanOrEqual(65_536);
      expect(store.eventMemory.bytes).toBeGreaterThan(50_000);

      const evicted = await resume(mcp, session, streams[88]![0]!);
      expect(evicted.status).toBe(400);
      expect(evicted.error?.code).toBe(-32000);
      const kept = await resume(mcp, session, streams[94]![0]!);
      expect(kept.status).toBe(200);
      expect(kept.text).toContain(tenKb);

      // A session's events go with it.
      await raw(mcp, { method: 'DELETE', headers: session });
      expect(store.eventMemory.bytes).toBe(0);
    } finally {
      await server.shutdown();
    }
  });

  it("leaves only the last 4 answered streams of the issue's attacker (95 answers of 10 KB) with the shipped settings", async () => {
    const { server, store, mcp } = await start({});
    try {
      const session = await rawSession(mcp);
      for (let i = 1; i <= 95; i++) await echo(mcp, session, i);
      expect(store.eventMemory.bytes).toBeGreaterThan(4 * 10_000);
      expect(store.eventMemory.bytes).toBeLessThan(5 * 10_000);
    } finally {
      await server.shutdown();
    }
  });

  it('keeps only the last answered POST streams of a session (MCP_ANSWERED_STREAMS_PER_SESSION)', async () => {
    const { server, mcp } = await start({ MCP_ANSWERED_STREAMS_PER_SESSION: '2' });
    try {
      const session = await rawSession(mcp);
      const streams = [await echo(mcp, session, 1, 'one'), await echo(mcp, session, 2, 'two'), await echo(mcp, session, 3, 'three')];
      expect((await resume(mcp, session, streams[0]![0]!)).status).toBe(400);
      expect((await resume(mcp, session, streams[1]![0]!)).text).toContain('"text":"two"');
      expect((await resume(mcp, session, streams[2]![0]!)).text).toContain('"text":"three"');
    } finally {
      await server.shutdown();
    }
  });

  it('still gives the answer to a client whose POST stream dropped before it, on resume with Last-Event-ID', async () => {
    const { server, mcp } = await start({});
    try {
      const session = await rawSession(mcp);
      const body = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'countdown', arguments: { steps: 2, delayMs: 200 } } });
      // Read the priming event's id, then drop the connection while the countdown runs.
      const primingId = await new Promise<string>((resolve, reject) => {
        const req = request(mcp, { method: 'POST', headers: session }, (res) => {
          let seen = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            seen += chunk;
            const id = /^id: (.+)$/m.exec(seen)?.[1];
            if (id) resolve(id), req.destroy();
          });
        });
        req.on('error', reject);
        req.end(body);
      });
      await new Promise((r) => setTimeout(r, 800));
      const resumed = await resume(mcp, session, primingId);
      expect(resumed.status).toBe(200);
      expect(resumed.text).toContain('"text":"Lift-off after 2 steps"}]},"jsonrpc":"2.0","id":7}');
    } finally {
      await server.shutdown();
    }
  });
});

describe('stored events per process', () => {
  it('holds one total across sessions by evicting the oldest event in the process, whichever session holds it', async () => {
    const { server, store, mcp } = await start({ MCP_EVENT_BYTES_PER_PROCESS: '100000', MCP_ANSWERED_STREAMS_PER_SESSION: '1000' });
    try {
      const [a, b, c] = [await rawSession(mcp), await rawSession(mcp), await rawSession(mcp)];
      const first = await echo(mcp, a, 1);
      for (let i = 2; i <= 4; i++) await echo(mcp, a, i);
      const bStreams: string[][] = [];
      for (let i = 1; i <= 4; i++) bStreams.push(await echo(mcp, b, i));
      expect((await resume(mcp, a, first[0]!)).text).toContain(tenKb); // 80 KB so far: nothing evicted

      for (let i = 1; i <= 4; i++) await echo(mcp, c, i);
      // Each session stored 40 KB, far under its own 256 KiB bound; the process keeps at most 100,000 bytes.
      expect(store.eventMemory.bytes).toBeLessThanOrEqual(100_000);
      expect(store.eventMemory.bytes).toBeGreaterThan(80_000);
      expect((await resume(mcp, a, first[0]!)).status).toBe(400); // a's oldest went for c's
      expect((await resume(mcp, b, bStreams[3]![0]!)).text).toContain(tenKb);
    } finally {
      await server.shutdown();
    }
  });
});
