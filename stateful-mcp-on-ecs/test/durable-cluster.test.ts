/**
 * Durable sessions on three instances behind the sticky balancer, sharing one dynalite: any
 * instance rehydrates a session it never held; a race for one session has one owner; expired
 * and deleted sessions are gone everywhere; and a session survives SIGKILL of its instance with
 * the same id, its counter, its subscription and every stored GET-stream event.
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { COUNTER_URI } from '@mcp-on-aws/shared';

import { raw } from '../../shared/test/support/raw-http';
import { StickyClient } from '../client/sticky-client';
import { startDynalite, type LocalDynamo } from '../src/dynamo/local';
import { createLocalTable, pk, sessionTable, type SessionTable } from '../src/dynamo/table';
import { startCluster, type Cluster } from './support/cluster';
import { until } from './support/stateful';

const TABLE = 'mcp-sessions';
const ping = async (client: StickyClient) => (await client.callTool({ name: 'ping', arguments: {} })).structuredContent as { instance: string; sessionId: string };
const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
const call = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'increment_counter', arguments: {} } });

const counterOf = (r: { text: string }) => Number(/"structuredContent":\{"value":(\d+)\}/.exec(r.text)?.[1]);

/** A raw session opened directly on one instance, bypassing the balancer. */
async function rawSession(mcp: string): Promise<Record<string, string>> {
  const init = await raw(mcp, { headers, body: initialize });
  const session = { ...headers, 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
  await raw(mcp, { headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  return session;
}

describe('durable sessions: three instances, one DynamoDB table (dynalite)', () => {
  let dynamo: LocalDynamo;
  let table: SessionTable;
  let cluster: Cluster;
  const direct = (i: number) => `${cluster.servers[i]!.url}/mcp`;
  beforeAll(async () => {
    dynamo = await startDynalite();
    table = sessionTable(TABLE, dynamo.endpoint);
    await createLocalTable(table);
    // A 1 s keep-alive flushes a new GET stream's headers within a second, so opening one returns promptly.
    cluster = await startCluster('node', { MCP_SESSION_TABLE: TABLE, MCP_DYNAMODB_ENDPOINT: dynamo.endpoint, MCP_SSE_KEEPALIVE_MS: '1000' });
  }, 30_000);
  afterAll(async () => {
    await cluster?.stop();
    table?.doc.destroy();
    await dynamo?.stop();
  });

  it('lets exactly one of two instances rehydrating the same session at once own it, and both requests succeed', async () => {
    const session = await rawSession(direct(0));
    expect(counterOf(await raw(direct(0), { headers: session, body: call(1) }))).toBe(1);
    const [a, b] = await Promise.all([raw(direct(1), { headers: session, body: call(2) }), raw(direct(2), { headers: session, body: call(3) })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([counterOf(a), counterOf(b)].sort()).toEqual([2, 3]);
    const { Item } = await table.doc.send(new GetCommand({ TableName: TABLE, Key: { pk: pk(session['mcp-session-id']!), sk: 'META' } }));
    // One conditional takeover won (epoch 1 -> 2); the other instance answered without taking over.
    expect(Item?.epoch).toBe(2);
    const pids = [1, 2].map((i) => cluster.servers[i]!.child.pid);
    expect(pids).toContain(Number(String(Item?.owner).split(':').pop()));
    await raw(direct(0), { method: 'DELETE', headers: session });
  });

  it('answers 404 for an expired session on an instance that does not hold it', async () => {
    const client = await StickyClient.connect({ url: cluster.mcp });
    try {
      const { sessionId, instance } = await ping(client);
      await table.doc.send(new UpdateCommand({ TableName: TABLE, Key: { pk: pk(sessionId), sk: 'META' }, UpdateExpression: 'SET expiresAt = :past', ExpressionAttributeValues: { ':past': 1 } }));
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
    const left = await table.doc.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk(session['mcp-session-id']!) } }));
    expect(left.Items).toEqual([]);
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
    const post = async (body: object) => {
      const response = await fetch(cluster.mcp, { method: 'POST', headers: session, body: JSON.stringify(body) });
      keepCookie(response);
      return response.text();
    };
    await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const stream = async (lastEventId?: string) => {
      const response = await fetch(cluster.mcp, { headers: { ...session, accept: 'text/event-stream', ...(lastEventId && { 'last-event-id': lastEventId }) } });
      expect(response.status).toBe(200);
      keepCookie(response);
      const reader = response.body!.getReader();
      const ids: string[] = [];
      let buffer = '';
      const next = async (count: number) => {
        while (ids.length < count) {
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          buffer += new TextDecoder().decode(value);
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (event.includes('notifications/resources/updated')) ids.push(/^id: (.+)$/m.exec(event)![1]!);
          }
        }
        return ids;
      };
      return { ids, next, close: () => reader.cancel().catch(() => {}) };
    };
    const first = await stream();
    await post({ jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: COUNTER_URI } });
    const counter = async (n: number) => counterOf({ text: await post(JSON.parse(call(n))) });
    const before = JSON.parse(/data: (.+)/.exec(await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ping', arguments: {} } }))![1]!).result.structuredContent;
    for (const n of [1, 2, 3]) expect(await counter(10 + n)).toBe(n);
    expect(await first.next(3)).toEqual(['1', '2', '3']);
    // 4 and 5 are stored and written, but this client never reads them: they die with the connection.
    for (const n of [4, 5]) expect(await counter(10 + n)).toBe(n);

    const holder = cluster.servers.find((s) => s.child.pid === Number(String(before.instance).split(':').pop()))!;
    await holder.stop('SIGKILL');
    await first.close();

    expect(await counter(16)).toBe(6);
    const after = JSON.parse(/data: (.+)/.exec(await post({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'ping', arguments: {} } }))![1]!).result.structuredContent;
    expect(after.instance).not.toBe(before.instance);
    expect(after.sessionId).toBe(id);

    // The stream comes back with Last-Event-ID 3: 4 and 5 (stored before the kill), and 6.
    const resumed = await stream('3');
    expect(await resumed.next(3)).toEqual(['4', '5', '6']);
    expect(await counter(17)).toBe(7);
    expect(await resumed.next(4)).toEqual(['4', '5', '6', '7']);
    await resumed.close();
    const stored = await table.doc.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)', ExpressionAttributeValues: { ':pk': pk(id), ':e': 'EVENT#' } }));
    const storedIds = (stored.Items ?? []).map((i) => String(Number(String(i.sk).slice('EVENT#'.length))));
    expect(storedIds).toEqual(['1', '2', '3', '4', '5', '6', '7']);
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

      for (let n = 6; n <= 7; n++) expect((await client.callTool({ name: 'increment_counter', arguments: {} })).structuredContent).toEqual({ value: n });
      const after = await ping(client);
      expect(after.instance).not.toBe(before.instance);
      expect(after.sessionId).toBe(before.sessionId);
      expect(client.reinitializations).toBe(0);
      // The balancer cut the dead instance's GET stream; the SDK reconnected it with Last-Event-ID.
      await until(() => updates.length === 7, 15_000);
      expect(updates).toEqual(Array(7).fill(COUNTER_URI));
    } finally {
      await client.close();
    }
  }, 30_000);
});

