/**
 * Durable sessions on three instances behind the sticky balancer, sharing one dynalite: expired
 * and deleted sessions are gone everywhere, and a session survives SIGKILL of its instance with
 * the same id, its counter, its subscription and every stored GET-stream event. The race for a
 * dead instance's session is in takeover-race.test.ts, the displaced owner in fencing.test.ts.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { COUNTER_URI, sessionTag } from '@mcp-on-aws/shared';

import { raw } from '../../shared/test/support/raw-http';
import { StickyClient } from '../client/sticky-client';
import { META, pk, type SessionTable } from '../src/durable/table';
import { startDurableCluster, type DurableCluster } from './support/cluster';
import { rawSession, until } from './support/stateful';

const ping = async (client: StickyClient) => (await client.callTool({ name: 'ping', arguments: {} })).structuredContent as { instance: string; session: string };
const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
const call = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'increment_counter', arguments: {} } });

const counterOf = (r: { text: string }) => Number(/"structuredContent":\{"value":(\d+)\}/.exec(r.text)?.[1]);

describe('durable sessions: three instances, one DynamoDB table (dynalite)', () => {
  let cluster: DurableCluster;
  let table: SessionTable;
  const direct = (i: number) => `${cluster.servers[i]!.url}/mcp`;
  beforeAll(async () => {
    cluster = await startDurableCluster();
    ({ table } = cluster);
  }, 30_000);
  afterAll(() => cluster?.stop());

  it('answers 404 for an expired session on an instance that does not hold it', async () => {
    const client = await StickyClient.connect({ url: cluster.mcp });
    try {
      const { instance } = await ping(client);
      const sessionId = client.sessionId!;
      await table.doc.send(new UpdateCommand({ TableName: table.name, Key: { pk: pk(sessionId), sk: 'META' }, UpdateExpression: 'SET expiresAt = :past', ExpressionAttributeValues: { ':past': 1 } }));
      // Another instance does not hold it in memory, so it asks the registry: expired.
      const other = cluster.servers.find((s) => s.child.pid !== Number(instance.split(':').pop()) && s.child.exitCode === null)!;
      const refused = await raw(`${other.url}/mcp`, { headers: { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' }, body: call(1) });
      expect(refused.status).toBe(404);
      expect(refused.error?.code).toBe(-32001);
    } finally {
      await client.close();
    }
  });

  it('ends a deleted session on every instance', async () => {
    const session = await rawSession(direct(1));
    expect((await raw(direct(1), { headers: session, body: call(1) })).status).toBe(200);
    expect((await raw(direct(1), { method: 'DELETE', headers: session })).status).toBe(200);
    for (const i of [1, 2]) {
      const gone = await raw(direct(i), { headers: session, body: call(2) });
      expect(gone.status).toBe(404);
      expect(gone.error?.code).toBe(-32001);
    }
    const left = await table.doc.send(new GetCommand({ TableName: table.name, Key: { pk: pk(session['mcp-session-id']!), sk: META }, ConsistentRead: true }));
    expect(left.Item).toBeUndefined();
  });

  it('survives SIGKILL of its instance: same session id, counter at 6, and zero lost GET-stream events', async () => {
    // A raw 2025-era session through the balancer, keeping its cookie, so the test sees every SSE event id.
    const init = await fetch(cluster.mcp, { method: 'POST', headers, body: initialize });
    await init.text();
    const cookie = String(init.headers.get('set-cookie')).split(';')[0]!;
    const id = init.headers.get('mcp-session-id')!;
    const session = { ...headers, cookie, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' };
    // Keep the cookie the balancer sets, as a browser or the cookie client does: after a re-stick it names the new instance.
    const keepCookie = (response: Response) => void (response.headers.get('set-cookie') && (session.cookie = response.headers.get('set-cookie')!.split(';')[0]!));
    const post = async (body: object): Promise<string> => {
      const response = await fetch(cluster.mcp, { method: 'POST', headers: session, body: JSON.stringify(body) });
      keepCookie(response);
      // The instance that takes a dead one's session over first waits out its grace period: 503, retry, as the cookie client does.
      if (response.status === 503) return (await response.text(), await new Promise((r) => setTimeout(r, 250)), post(body));
      return response.text();
    };
    await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    /** A GET stream that records the id of every event it delivers, and counts the counter's updates among them. */
    const stream = async (lastEventId?: string) => {
      let response: Response;
      do response = await fetch(cluster.mcp, { headers: { ...session, accept: 'text/event-stream', ...(lastEventId && { 'last-event-id': lastEventId }) } });
      while (response.status === 503 && (await response.text(), await new Promise((r) => setTimeout(r, 250)), true));
      expect(response.status).toBe(200);
      keepCookie(response);
      const reader = response.body!.getReader();
      const ids: string[] = [];
      let updates = 0;
      let buffer = '';
      const next = async (count: number) => {
        while (updates < count) {
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          buffer += new TextDecoder().decode(value);
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const id = /^id: (.+)$/m.exec(event)?.[1];
            if (id && /^data: \{/m.test(event)) ids.push(id);
            if (event.includes('notifications/resources/updated')) updates++;
          }
        }
        return updates;
      };
      return { ids, next, close: () => reader.cancel().catch(() => {}) };
    };
    const first = await stream();
    await post({ jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: COUNTER_URI } });
    const counter = async (n: number) => counterOf({ text: await post(JSON.parse(call(n))) });
    const before = JSON.parse(/data: (.+)/.exec(await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ping', arguments: {} } }))![1]!).result.structuredContent;
    for (const n of [1, 2, 3]) expect(await counter(10 + n)).toBe(n);
    expect(await first.next(3)).toBe(3);
    // 4 and 5 are stored and written, but this client never reads them: they die with the connection.
    for (const n of [4, 5]) expect(await counter(10 + n)).toBe(n);

    const holder = cluster.servers.find((s) => s.child.pid === Number(String(before.instance).split(':').pop()))!;
    await holder.stop('SIGKILL');
    await first.close();

    expect(await counter(16)).toBe(6);
    const after = JSON.parse(/data: (.+)/.exec(await post({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'ping', arguments: {} } }))![1]!).result.structuredContent;
    expect(after.instance).not.toBe(before.instance);
    expect(after.session).toBe(sessionTag(id));

    // The stream comes back after the last event it read: the updates for 4 and 5 (stored before the kill), and 6.
    const resumed = await stream(first.ids.at(-1));
    expect(await resumed.next(3)).toBe(3);
    expect(await counter(17)).toBe(7);
    expect(await resumed.next(4)).toBe(4);
    await resumed.close();
    const { Item } = await table.doc.send(new GetCommand({ TableName: table.name, Key: { pk: pk(id), sk: META }, ConsistentRead: true }));
    const storedIds = Object.entries(Item!)
      .filter(([k]) => /^e\d+$/.test(k))
      .map(([, v]) => (v as { s: number }).s)
      .sort((a, b) => a - b)
      .map(String);
    // Zero lost events: what the two streams delivered is every stored event, in order, each once.
    expect(storedIds).toEqual(Array.from({ length: Item!.seq }, (_, i) => String(i + 1)));
    expect([...first.ids, ...resumed.ids]).toEqual(storedIds);
  }, 30_000);

  it('carries the cookie client, unchanged, through SIGKILL of its instance: same session, counter, subscription and every update', async () => {
    const updates: string[] = [];
    const client = await StickyClient.connect({ url: cluster.mcp, onResourceUpdated: (uri) => void updates.push(uri) });
    try {
      await client.subscribe(COUNTER_URI);
      for (let n = 1; n <= 5; n++) expect((await client.callTool({ name: 'increment_counter', arguments: {} })).structuredContent).toEqual({ value: n });
      await until(() => updates.length === 5, 15_000);
      const before = await ping(client);
      await cluster.servers.find((s) => s.child.pid === Number(before.instance.split(':').pop()))!.stop('SIGKILL');

      // The rebuilt session lists what the client saw before: read_counter appeared once the counter passed zero.
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('read_counter');
      for (let n = 6; n <= 7; n++) expect((await client.callTool({ name: 'increment_counter', arguments: {} })).structuredContent).toEqual({ value: n });
      const after = await ping(client);
      expect(after.instance).not.toBe(before.instance);
      expect(after.session).toBe(before.session);
      expect(client.reinitializations).toBe(0);
      // The balancer cut the dead instance's GET stream; the SDK reconnected it with Last-Event-ID.
      await until(() => updates.length === 7, 15_000);
      expect(updates).toEqual(Array(7).fill(COUNTER_URI));
    } finally {
      await client.close();
    }
  }, 30_000);
});

