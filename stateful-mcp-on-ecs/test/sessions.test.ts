import { randomBytes } from 'node:crypto';

import { createRequestStateCodec, type EventStore } from '@modelcontextprotocol/server';
import { confirmStateFor, COUNTER_URI, sessionTag, STATE_MISMATCH, type ConfirmState } from '@mcp-on-aws/shared';

import { listenRequest, openStream, raw } from '../../shared/test/support/raw-http';
import { StickyClient } from '../client/sticky-client';
import { MemorySessionStore } from '../src/memory-session-store';
import { loadSessionConfig } from '../src/session-config';
import { connectSession, startStateful, text, until } from './support/stateful';

type Server = Awaited<ReturnType<typeof startStateful>>;

const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initializeWith = (capabilities: object) => JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: 'raw', version: '1' } } });
const initialize = initializeWith({});

/** The headers of every request in a session after initialize. */
const inSession = (id: unknown) => ({ ...headers, 'mcp-session-id': String(id), 'mcp-protocol-version': '2025-11-25' });

/** Opens a raw session: initialize + initialized, as a 2025-era client does. */
async function rawSession(mcp: string, capabilities = {}): Promise<Record<string, string>> {
  const init = await raw(mcp, { headers, body: initializeWith(capabilities) });
  const session = inSession(init.headers['mcp-session-id']);
  await raw(mcp, { headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  return session;
}

describe('2025-era sessions on one instance', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startStateful();
  });
  afterAll(() => server.shutdown());

  it('gives each initialize its own crypto-random session and keeps state per session; ping names it by its tag, never its id', async () => {
    const a = await connectSession(server.mcp);
    const b = await connectSession(server.mcp);
    expect(a.transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.transport.sessionId).not.toBe(b.transport.sessionId);
    const ping = await a.client.callTool({ name: 'ping', arguments: {} });
    expect(ping.structuredContent).toMatchObject({ instance: 'solo', era: 'legacy', session: sessionTag(a.transport.sessionId) });
    expect(JSON.stringify(ping)).not.toContain(a.transport.sessionId);
    for (const expected of ['1', '2', '3']) expect(text(await a.client.callTool({ name: 'increment_counter', arguments: {} }))).toBe(expected);
    expect(text(await b.client.callTool({ name: 'increment_counter', arguments: {} }))).toBe('1');
    await Promise.all([a.client.close(), b.client.close()]);
  });

  it('pushes elicitation (confirm_action through the legacy shim) and sampling (ask_model) to the client', async () => {
    const { client, pushed } = await connectSession(server.mcp);
    expect(text(await client.callTool({ name: 'confirm_action', arguments: { action: 'rotate keys' } }))).toBe('Done: "rotate keys" was confirmed.');
    expect(pushed.elicitations).toEqual(['Confirm: rotate keys?']);
    expect(text(await client.callTool({ name: 'ask_model', arguments: { question: 'meaning of life?' } }))).toBe('test-model: forty-two');
    expect(pushed.samplings).toEqual(['meaning of life?']);
    await client.close();
  });

  it("sends ask_model's sampling request on the call's own stream, so a client that has not opened its GET stream yet still gets it", async () => {
    const session = await rawSession(server.mcp, { sampling: {} });
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'ask_model', arguments: { question: 'q' } } };
    const response = await fetch(server.mcp, { method: 'POST', headers: session, body: JSON.stringify(call), signal: AbortSignal.timeout(5_000) });
    const stream = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(seen)) {
        const { value, done } = await stream.read();
        if (done) throw new Error(`the stream ended without ${pattern}: ${seen}`);
        seen += value;
      }
      return pattern.exec(seen)!;
    };
    const sampling = JSON.parse((await readUntil(/^data: (.*"sampling\/createMessage".*)$/m))[1]!) as { id: number };
    const answer = { jsonrpc: '2.0', id: sampling.id, result: { role: 'assistant', content: { type: 'text', text: 'forty-two' }, model: 'raw-model' } };
    expect((await raw(server.mcp, { headers: session, body: JSON.stringify(answer) })).status).toBe(202);
    expect(JSON.parse((await readUntil(/^data: (.*"result".*)$/m))[1]!)).toMatchObject({ id: 1, result: { content: [{ text: 'raw-model: forty-two' }] } });
    await raw(server.mcp, { method: 'DELETE', headers: session });
  });

  it('filters log notifications by the level the session set with logging/setLevel', async () => {
    const { client, pushed } = await connectSession(server.mcp);
    await client.setLoggingLevel('debug');
    await client.callTool({ name: 'ask_model', arguments: { question: 'q' } });
    expect(pushed.logs.map((l) => l.level)).toEqual(['debug', 'info']);
    pushed.logs.length = 0;
    await client.setLoggingLevel('warning');
    await client.callTool({ name: 'ask_model', arguments: { question: 'q' } });
    await client.setLoggingLevel('info');
    await client.callTool({ name: 'ask_model', arguments: { question: 'q' } });
    expect(pushed.logs.map((l) => l.level)).toEqual(['info']);
    await client.close();
  });

  it('sends countdown progress and counter updates to a subscribed session', async () => {
    const { client, pushed } = await connectSession(server.mcp);
    const progress: number[] = [];
    await client.callTool({ name: 'countdown', arguments: { steps: 3, delayMs: 5 } }, { onprogress: (p) => progress.push(p.progress) });
    expect(progress).toEqual([1, 2, 3]);
    await client.subscribeResource({ uri: COUNTER_URI });
    await client.callTool({ name: 'increment_counter', arguments: {} });
    await client.callTool({ name: 'increment_counter', arguments: {} });
    await until(() => pushed.updates.length === 2);
    expect(pushed.updates).toEqual([COUNTER_URI, COUNTER_URI]);
    await client.close();
  });

  it('replays the GET stream after Last-Event-ID, and only this session\'s events', async () => {
    const session = await rawSession(server.mcp);
    const other = await rawSession(server.mcp);
    const subscribe = (h: Record<string, string>) => raw(server.mcp, { headers: h, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: COUNTER_URI } }) });
    const increment = (h: Record<string, string>, id: number) => raw(server.mcp, { headers: h, body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'increment_counter', arguments: {} } }) });
    await Promise.all([subscribe(session), subscribe(other)]);

    // Open the GET stream, receive one event, note its id, and drop the connection.
    const stream = await fetch(server.mcp, { headers: { ...session, accept: 'text/event-stream' } });
    const reader = stream.body!.getReader();
    await increment(session, 2);
    let first = '';
    while (!first.includes('resources/updated')) first += new TextDecoder().decode((await reader.read()).value);
    // The id of the update itself: other events (tools/list_changed, once the counter is above zero) may come first.
    const lastEventId = /^id: (.+)$/m.exec(first.split('\n\n').find((event) => event.includes('resources/updated')) ?? '')?.[1];
    expect(lastEventId).toBeDefined();
    await reader.cancel();

    await increment(session, 3);
    await increment(other, 2);
    await increment(session, 4);

    const replay = new AbortController();
    const resumed = await fetch(server.mcp, { headers: { ...session, accept: 'text/event-stream', 'last-event-id': lastEventId! }, signal: replay.signal });
    expect(resumed.status).toBe(200);
    let events = '';
    const resumedReader = resumed.body!.getReader();
    while ((events.match(/resources\/updated/g) ?? []).length < 2) events += new TextDecoder().decode((await resumedReader.read()).value);
    replay.abort();
    expect(events.match(/"method":"notifications\/resources\/updated"/g)).toHaveLength(2);
    expect(events).not.toMatch(/data: \n/); // priming events are not replayed
  });

  it('refuses an unknown Last-Event-ID with 400, not 500', async () => {
    const session = await rawSession(server.mcp);
    const response = await raw(server.mcp, { method: 'GET', headers: { ...session, accept: 'text/event-stream', 'last-event-id': '999999' } });
    expect(response.status).toBe(400);
    expect(response.error?.code).toBe(-32000);
  });

  it('serves 2026-era requests on the same path without a session', async () => {
    const { client, transport, pushed } = await connectSession(server.mcp, { era: 'modern' });
    const ping = await client.callTool({ name: 'ping', arguments: {} });
    expect(ping.structuredContent).toMatchObject({ instance: 'solo', era: 'modern' });
    expect(transport.sessionId).toBeUndefined();
    expect(text(await client.callTool({ name: 'confirm_action', arguments: { action: 'x' } }))).toBe('Done: "x" was confirmed.');
    expect(pushed.elicitations).toEqual(['Confirm: x?']);
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('increment_counter');
    await client.close();
  });

  it('ends a session on DELETE and forgets its state', async () => {
    const session = await rawSession(server.mcp);
    const id = session['mcp-session-id']!;
    await raw(server.mcp, { headers: session, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'increment_counter', arguments: {} } }) });
    expect(await server.stateful.sessions.has(id)).toBe(true);
    expect((await raw(server.mcp, { method: 'DELETE', headers: session })).status).toBe(200);
    expect(server.stateful.sessions.has(id)).toBe(false);
    const after = await raw(server.mcp, { headers: session, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
    expect(after.status).toBe(404);
    expect(after.error?.code).toBe(-32001);
  });
});

describe('session lifecycle', () => {
  it('closes idle sessions, but not one holding a GET stream', async () => {
    const server = await startStateful({ MCP_SESSION_IDLE_MS: '1000' });
    try {
      const idle = await rawSession(server.mcp);
      const listening = await rawSession(server.mcp);
      const stream = new AbortController();
      await fetch(server.mcp, { headers: { ...listening, accept: 'text/event-stream' }, signal: stream.signal });
      // The sweeper runs every half idle timeout: the idle session goes within about 1.5 s.
      await until(() => server.stateful.sessions.size === 1, 4_000);
      const gone = await raw(server.mcp, { headers: idle, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
      expect(gone.status).toBe(404);
      const alive = await raw(server.mcp, { headers: listening, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
      expect(alive.status).toBe(200);
      stream.abort();
    } finally {
      await server.shutdown();
    }
  });

  it('refuses initialize beyond the per-instance cap with 503, Retry-After and a JSON-RPC error', async () => {
    const server = await startStateful({ MCP_MAX_SESSIONS: '2' });
    try {
      const first = await rawSession(server.mcp);
      await rawSession(server.mcp);
      const refused = await raw(server.mcp, { headers, body: initialize });
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.error).toEqual({ code: -32000, message: expect.stringContaining('Too many sessions') });
      // Existing sessions still work, and a freed slot takes a new session.
      await raw(server.mcp, { method: 'DELETE', headers: first });
      expect((await raw(server.mcp, { headers, body: initialize })).status).toBe(200);
    } finally {
      await server.shutdown();
    }
  });

  it('holds the cap under a burst of concurrent initializes', async () => {
    const server = await startStateful({ MCP_MAX_SESSIONS: '3' });
    try {
      const answers = await Promise.all(Array.from({ length: 10 }, () => raw(server.mcp, { headers, body: initialize })));
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 503, 503, 503, 503, 503, 503, 503]);
      expect(server.stateful.sessions.size).toBe(3);
    } finally {
      await server.shutdown();
    }
  });

  it('lets the cookie client wait out a 503 from the cap, retrying with backoff until a slot frees', async () => {
    const server = await startStateful({ MCP_MAX_SESSIONS: '1' });
    try {
      const first = await StickyClient.connect({ url: server.mcp });
      const said: string[] = [];
      const second = StickyClient.connect({ url: server.mcp, say: (line) => void said.push(line), retryForMs: 5_000 });
      await until(() => said.length >= 2);
      await first.close();
      const client = await second;
      expect(said.slice(0, 2)).toEqual(['HTTP 503 (load balancer or session cap); retrying in 250 ms', 'HTTP 503 (load balancer or session cap); retrying in 500 ms']);
      expect(text(await client.callTool({ name: 'increment_counter', arguments: {} }))).toBe('1');
      await client.close();
    } finally {
      await server.shutdown();
    }
  });

  it('keeps memory bounded: a few events per session, and nothing once the session closes', async () => {
    /** Records the event store each session's transport gets. */
    class RecordingStore extends MemorySessionStore {
      readonly events = new Map<string, EventStore>();
      override eventStore(sessionId: string): EventStore {
        const events = super.eventStore(sessionId);
        this.events.set(sessionId, events);
        return events;
      }
    }
    const store = new RecordingStore({ ...loadSessionConfig({}), maxEventsPerSession: 5 });
    const server = await startStateful({}, 'solo', 2_000, store);
    try {
      const { client, transport } = await connectSession(server.mcp);
      const id = transport.sessionId!;
      for (let i = 0; i < 20; i++) await client.callTool({ name: 'increment_counter', arguments: {} });
      const events = store.events.get(id)!;
      const stored = await Promise.all(Array.from({ length: 100 }, (_, i) => events.getStreamIdForEventId!(String(i + 1))));
      expect(stored.filter(Boolean)).toHaveLength(5);
      expect(await store.counter.read(id)).toBe(20);

      // The events live on the session's transport and go with it; the store keeps only the counter, and forgets it.
      await transport.terminateSession();
      await until(() => !server.stateful.sessions.has(id));
      expect(await store.counter.read(id)).toBe(0);
    } finally {
      await server.shutdown();
    }
  });

  it('closes every transport on shutdown, well within the deadline', async () => {
    const server = await startStateful({}, 'solo', 3_000);
    const clients = await Promise.all([1, 2, 3].map(() => connectSession(server.mcp)));
    const streams = clients.map(() => new AbortController());
    await Promise.all(clients.map((c, i) => fetch(server.mcp, { headers: { accept: 'text/event-stream', 'mcp-session-id': c.transport.sessionId!, 'mcp-protocol-version': '2025-11-25' }, signal: streams[i]!.signal })));
    expect(server.stateful.sessions.size).toBe(3);
    const started = Date.now();
    await server.shutdown();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(server.stateful.sessions.size).toBe(0);
    streams.forEach((s) => s.abort());
  });
});

describe('unfinished handshakes and per-client limits', () => {
  const from = (client: string, more: Record<string, string> = {}) => ({ ...headers, ...more, 'x-forwarded-for': client });
  const listTools = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });

  it('closes a session whose client never came back after initialize within MCP_HANDSHAKE_TIMEOUT_MS, and frees its slot', async () => {
    const server = await startStateful({ MCP_MAX_SESSIONS: '1', MCP_HANDSHAKE_TIMEOUT_MS: '500' });
    try {
      const init = await raw(server.mcp, { headers, body: initialize }); // and then nothing, not even notifications/initialized
      expect(init.status).toBe(200);
      const id = String(init.headers['mcp-session-id']);
      expect((await raw(server.mcp, { headers, body: initialize })).status).toBe(503);
      await until(() => !server.stateful.sessions.has(id), 3_000);
      const gone = await raw(server.mcp, { headers: inSession(id), body: listTools });
      expect(gone.status).toBe(404);
      expect((await raw(server.mcp, { headers, body: initialize })).status).toBe(200);
    } finally {
      await server.shutdown();
    }
  });

  it('keeps a session past the handshake timeout once its client came back, with notifications/initialized or any request', async () => {
    const server = await startStateful({ MCP_HANDSHAKE_TIMEOUT_MS: '300' });
    try {
      const greeted = await rawSession(server.mcp);
      const init = await raw(server.mcp, { headers, body: initialize });
      const direct = inSession(init.headers['mcp-session-id']);
      expect((await raw(server.mcp, { headers: direct, body: listTools })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 900));
      for (const session of [greeted, direct]) expect((await raw(server.mcp, { headers: session, body: listTools })).status).toBe(200);
    } finally {
      await server.shutdown();
    }
  });

  it('answers a client past MCP_NEW_SESSIONS_PER_CLIENT_PER_MINUTE with 429, Retry-After and a JSON-RPC error, and serves the others', async () => {
    const server = await startStateful({ MCP_NEW_SESSIONS_PER_CLIENT_PER_MINUTE: '2' });
    try {
      const start = (client: string) => raw(server.mcp, { headers: from(client), body: initialize });
      expect([(await start('203.0.113.5')).status, (await start('203.0.113.5')).status]).toEqual([200, 200]);
      const refused = await start('203.0.113.5');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(58);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(refused.error).toEqual({ code: -32000, message: 'Too many new sessions from this client (2 a minute); retry later' });
      // The hops left of the ALB's are the client's own word: it cannot pass for someone else.
      expect((await start('198.51.100.7, 203.0.113.5')).status).toBe(429);
      expect((await start('203.0.113.6')).status).toBe(200);
      // An IPv6 client is counted by its /64.
      expect([(await start('2001:db8:1:2::a')).status, (await start('2001:db8:1:2:ffff::b')).status, (await start('2001:db8:1:2::c')).status]).toEqual([200, 200, 429]);
      expect((await start('2001:db8:1:3::a')).status).toBe(200);
      expect(server.stateful.sessions.size).toBe(6);
    } finally {
      await server.shutdown();
    }
  });

  it('answers a GET stream past MCP_MAX_STREAMS_PER_CLIENT with 429 and Retry-After; calls and other clients still pass', async () => {
    const server = await startStateful({ MCP_MAX_STREAMS_PER_CLIENT: '1' });
    try {
      const [a, b] = [await rawSession(server.mcp), await rawSession(server.mcp)];
      const stream = (session: Record<string, string>, client: string) => openStream(server.mcp, { headers: { ...session, accept: 'text/event-stream', 'x-forwarded-for': client } });
      const held = await stream(a, '203.0.113.5');
      expect(held.status).toBe(200);
      const refused = await stream(b, '203.0.113.5');
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.error).toEqual({ code: -32000, message: 'Too many open streams from this client (1); close one or retry later' });
      // A POST's SSE answer ends with its answer, so it is not counted.
      const call = await raw(server.mcp, { headers: { ...b, 'x-forwarded-for': '203.0.113.5' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'countdown', arguments: { steps: 2, delayMs: 10 } } }) });
      expect(call.status).toBe(200);
      const other = await stream(b, '203.0.113.6');
      expect(other.status).toBe(200);
      [held, other].forEach((s) => s.close());
    } finally {
      await server.shutdown();
    }
  });

  it('answers a 2026-era listen stream past MCP_MAX_LISTEN_STREAMS with 503 and Retry-After, not 200 with -32603', async () => {
    const server = await startStateful({ MCP_MAX_LISTEN_STREAMS: '1' });
    try {
      const listen = (client: string) => openStream(server.mcp, { method: 'POST', headers: { ...listenRequest.headers, 'x-forwarded-for': client }, body: listenRequest.body });
      const held = await listen('203.0.113.5');
      expect(held.status).toBe(200);
      const refused = await listen('203.0.113.6');
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.error).toEqual({ code: -32000, message: 'Too many subscriptions/listen streams on this instance (1); retry later' });
      held.close();
    } finally {
      await server.shutdown();
    }
  });
});

describe('confirm_action state across sessions', () => {
  const key = randomBytes(32);
  let server: Server;
  beforeAll(async () => {
    server = await startStateful({ MCP_REQUEST_STATE_KEY: key.toString('base64') });
  });
  afterAll(() => server.shutdown());

  it('refuses a state minted in one session when another session presents it', async () => {
    const [a, b] = [await rawSession(server.mcp, { elicitation: {} }), await rawSession(server.mcp, { elicitation: {} })];
    const codec = createRequestStateCodec<ConfirmState>({ key, ttlSeconds: 60 });
    const minted = await codec.mint(confirmStateFor('confirm_action', { action: 'x' }, a['mcp-session-id']), {} as never);
    const present = (session: Record<string, string>) =>
      raw(server.mcp, {
        headers: session,
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'confirm_action', arguments: { action: 'x' }, requestState: minted, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } } }),
      });
    expect((await present(a)).text).toContain('Done: \\"x\\" was confirmed.');
    const replayed = await present(b);
    expect(replayed.status).toBe(200);
    expect(replayed.text).toContain(STATE_MISMATCH);
  });
});
