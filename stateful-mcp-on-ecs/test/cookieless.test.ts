/**
 * Sessions without cookies: three durable instances sharing one table and one key, behind a
 * round-robin balancer with no stickiness (the Node one, and HAProxy when installed). The SDK's own
 * `Client`, which keeps no cookies, lands each request on any instance; the instances forward it to
 * the session's owner, so every request succeeds the first time, the GET stream included. When the
 * owner dies, the next request takes the session over at once.
 */
import { COUNTER_URI } from '@mcp-on-aws/shared';
import { randomBytes } from 'node:crypto';

import { OWNER_GRACE_MS } from '../src/durable/registry';
import { startDurableCluster, stickyKinds, type DurableCluster } from './support/cluster';
import { connectSession, text, until } from './support/stateful';

const sharedKey = randomBytes(32).toString('base64');
const pidOf = (instance: string) => Number(instance.split(':').pop());
/** The SDK reconnects a broken GET stream after this, with `Last-Event-ID`. */
const reconnectionOptions = { initialReconnectionDelay: 50, maxReconnectionDelay: 1_000, reconnectionDelayGrowFactor: 1.5, maxRetries: 2 };

interface Exchange {
  method: string;
  status: number;
}

/**
 * The client's fetch: records every answer, and can cut the open GET stream the way a network
 * does (the client's side errors, the connection closes), so the SDK resumes it with `Last-Event-ID`.
 */
function watchedFetch(): { fetch: typeof fetch; exchanges: Exchange[]; cutGetStream(): void } {
  const exchanges: Exchange[] = [];
  let cut: (() => void) | undefined;
  const watched: typeof fetch = async (url, init) => {
    const response = await fetch(url, init);
    const method = init?.method ?? 'GET';
    exchanges.push({ method, status: response.status });
    if (method !== 'GET' || !response.body) return response;
    const reader = response.body.getReader();
    let broken = false;
    let stream!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => void (stream = controller),
      pull: async (controller) => {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
        if (broken) return;
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    cut = () => {
      broken = true;
      stream.error(new TypeError('network connection lost'));
      void reader.cancel().catch(() => {});
    };
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  return { fetch: watched, exchanges, cutGetStream: () => cut?.() };
}

describe.each(stickyKinds)('three durable instances behind the %s round-robin balancer, no cookies anywhere', (kind) => {
  let cluster: DurableCluster;
  beforeAll(async () => void (cluster = await startDurableCluster(kind, { sharedKey, sticky: false })), 30_000);
  afterAll(() => cluster?.stop());

  it('serves the whole session to the SDK client with no retry: GET-stream updates, list_changed, elicitation, sampling, setLevel, a Last-Event-ID resume, DELETE', async () => {
    const watched = watchedFetch();
    const { client, transport, pushed } = await connectSession(cluster.mcp, { fetch: watched.fetch, reconnectionOptions, watchTools: true });
    const gets = () => watched.exchanges.filter((e) => e.method === 'GET').length;
    try {
      await until(() => gets() === 1);
      // The balancer spreads the calls over the three instances; the owner answers every one of them.
      const instances = new Set<string>();
      for (let i = 0; i < 6; i++) instances.add(((await client.callTool({ name: 'ping', arguments: {} })).structuredContent as { instance: string }).instance);
      expect(instances.size).toBe(1);

      await client.subscribeResource({ uri: COUNTER_URI });
      for (let n = 1; n <= 3; n++) expect(text(await client.callTool({ name: 'increment_counter', arguments: {} }))).toBe(String(n));
      await until(() => pushed.updates.length === 3);
      await until(() => pushed.toolLists.length === 1);
      expect(pushed.toolLists[0]).toContain('read_counter');

      expect(text(await client.callTool({ name: 'confirm_action', arguments: { action: 'scale in' } }))).toBe('Done: "scale in" was confirmed.');
      expect(pushed.elicitations).toEqual(['Confirm: scale in?']);
      await client.setLoggingLevel('info');
      expect(text(await client.callTool({ name: 'ask_model', arguments: { question: 'meaning of life?' } }))).toBe('test-model: forty-two');
      expect(pushed.samplings).toEqual(['meaning of life?']);
      expect(pushed.logs.map((l) => l.level)).toEqual(['info']);

      // The GET stream breaks; what the session emits meanwhile arrives once the SDK resumes it with Last-Event-ID.
      watched.cutGetStream();
      for (let n = 4; n <= 5; n++) expect(text(await client.callTool({ name: 'increment_counter', arguments: {} }))).toBe(String(n));
      await until(() => gets() === 2);
      expect(text(await client.callTool({ name: 'increment_counter', arguments: {} }))).toBe('6');
      await until(() => pushed.updates.length === 6);
      expect(pushed.updates).toEqual(Array(6).fill(COUNTER_URI));

      await transport.terminateSession();
      expect(watched.exchanges.at(-1)).toEqual({ method: 'DELETE', status: 200 });
      // Every request was answered the first time: no 5xx, no 404, nothing retried.
      for (const exchange of watched.exchanges) expect(exchange.status).toBeLessThan(300);
      expect(watched.exchanges.filter((e) => e.method === 'POST').length).toBeGreaterThan(15);
    } finally {
      await client.close();
    }
  }, 60_000);
});

describe('the owner dies mid-session (three instances behind the node round-robin balancer)', () => {
  let cluster: DurableCluster;
  beforeAll(async () => void (cluster = await startDurableCluster('node', { sharedKey, sticky: false })), 30_000);
  afterAll(() => cluster?.stop());

  it('moves the session at once: same id, the counter carries on, no update lost, recovered without waiting out the grace', async () => {
    let retries = 0;
    let getStreams = 0;
    // A client that retries a failed request once, as most do; the balancer re-routes a refused connection, as the ALB does.
    const retryOnce: typeof fetch = async (url, init) => {
      const response = await fetch(url, init).catch(() => undefined);
      if (response?.ok && (init?.method ?? 'GET') === 'GET') getStreams++;
      if (response && response.status < 500) return response;
      retries++;
      await response?.text();
      return fetch(url, init);
    };
    const { client, pushed } = await connectSession(cluster.mcp, { fetch: retryOnce, reconnectionOptions });
    try {
      // An update raised before the GET stream is open is stored, not sent: a stream opened without Last-Event-ID replays nothing.
      await until(() => getStreams === 1);
      await client.subscribeResource({ uri: COUNTER_URI });
      for (let n = 1; n <= 3; n++) expect(text(await client.callTool({ name: 'increment_counter', arguments: {} }))).toBe(String(n));
      await until(() => pushed.updates.length === 3);
      const before = (await client.callTool({ name: 'ping', arguments: {} })).structuredContent as { instance: string; session: string };

      const killedAt = performance.now();
      await cluster.servers.find((s) => s.child.pid === pidOf(before.instance))!.stop('SIGKILL');
      expect(text(await client.callTool({ name: 'increment_counter', arguments: {} }))).toBe('4');
      const recoveryMs = performance.now() - killedAt;
      process.stdout.write(`owner SIGKILLed: the next call answered ${recoveryMs.toFixed(0)} ms later, ${retries} retr${retries === 1 ? 'y' : 'ies'}\n`);
      // One retry and no wait for the owner's grace prove the takeover was immediate. The issue's
      // under-1 s figure is a measurement (BENCHMARKS.md), not a timed assertion that a loaded CI machine would flake.
      expect(recoveryMs).toBeLessThan(OWNER_GRACE_MS);
      expect(retries).toBeLessThanOrEqual(1);

      expect(text(await client.callTool({ name: 'increment_counter', arguments: {} }))).toBe('5');
      const after = (await client.callTool({ name: 'ping', arguments: {} })).structuredContent as { instance: string; session: string };
      expect(after.session).toBe(before.session);
      expect(after.instance).not.toBe(before.instance);
      // The dead owner's GET stream broke; the SDK resumed it with Last-Event-ID, and the table replayed what it missed.
      await until(() => pushed.updates.length === 5, 10_000);
      expect(pushed.updates).toEqual(Array(5).fill(COUNTER_URI));
    } finally {
      await client.close();
    }
  }, 30_000);
});
