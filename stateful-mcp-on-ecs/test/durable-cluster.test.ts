/**
 * Durable sessions on three instances behind the sticky balancer, sharing one dynalite: any
 * instance rehydrates a session it never held; a race for one session has one owner; expired
 * and deleted sessions are gone everywhere.
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

import { raw } from '../../shared/test/support/raw-http';
import { StickyClient } from '../client/sticky-client';
import { startDynalite, type LocalDynamo } from '../src/dynamo/local';
import { createLocalTable, pk, sessionTable, type SessionTable } from '../src/dynamo/table';
import { startCluster, type Cluster } from './support/cluster';

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
    cluster = await startCluster('node', { MCP_SESSION_TABLE: TABLE, MCP_DYNAMODB_ENDPOINT: dynamo.endpoint });
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
});
