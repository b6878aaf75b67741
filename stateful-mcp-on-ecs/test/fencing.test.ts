/**
 * Fencing a displaced owner, on real instances sharing one dynalite. After another instance takes
 * a session over, the old owner may still hold a live copy (it was only cut off, or it lost a race).
 * Its GET stream ends, so the client reconnects to the new owner; its next write fails the epoch
 * condition, stores nothing, and drops the copy; the request after that rebuilds the session
 * from the table, so the two copies never diverge.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { COUNTER_URI } from '@mcp-on-aws/shared';

import { raw, type RawResponse } from '../../shared/test/support/raw-http';
import { OWNER_GRACE_MS } from '../src/durable/registry';
import { META, pk } from '../src/durable/table';
import { startDurableCluster, type DurableCluster } from './support/cluster';
import { rawSession } from './support/stateful';

const rpc = (id: number, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const increment = (id: number) => rpc(id, 'tools/call', { name: 'increment_counter', arguments: {} });
const counterOf = (r: RawResponse) => Number(/"structuredContent":\{"value":(\d+)\}/.exec(r.text)?.[1]);
/** The JSON-RPC error in an SSE answer, which opens with a priming event. */
const errorIn = (r: RawResponse) => JSON.parse(/^data: (\{.*"error".*)$/m.exec(r.text)?.[1] ?? '{}').error as { code: number; message: string } | undefined;
/** The owner that last wrote a session keeps it for the grace period; a dead or displaced one writes no more. */
const quiet = () => new Promise((resolve) => setTimeout(resolve, OWNER_GRACE_MS + 100));

describe('a displaced owner is fenced (instances sharing one DynamoDB table)', () => {
  let cluster: DurableCluster;
  // Straight to two of the instances: the test decides which one each request reaches.
  const mcp = (i: number) => `${cluster.servers[i]!.url}/mcp`;
  const stored = async (id: string) => (await cluster.table.doc.send(new GetCommand({ TableName: cluster.table.name, Key: { pk: pk(id), sk: META }, ConsistentRead: true }))).Item!;
  const open = (i: number) => rawSession(mcp(i));
  beforeAll(async () => void (cluster = await startDurableCluster()), 30_000);
  afterAll(() => cluster?.stop());

  it('ends the old owner\'s GET stream once another instance takes the session over', async () => {
    const session = await open(0);
    await raw(mcp(0), { headers: session, body: rpc(1, 'resources/subscribe', { uri: COUNTER_URI }) });
    const stream = raw(mcp(0), { method: 'GET', headers: { ...session, accept: 'text/event-stream' } });
    expect(counterOf(await raw(mcp(0), { headers: session, body: increment(2) }))).toBe(1);
    await quiet();
    expect(counterOf(await raw(mcp(1), { headers: session, body: increment(3) }))).toBe(2);
    expect(await stored(session['mcp-session-id'])).toMatchObject({ epoch: 2, counter: 2 });
    // The stream that would never hear of counter 2 ends, so a client reconnects it (with Last-Event-ID) where its cookie now points.
    const ended = await stream;
    expect(ended.status).toBe(200);
    expect(ended.text).toContain('notifications/resources/updated');
    // Instance 0 dropped its copy with the stream: the next request there takes the session back, at the counter the table holds.
    await quiet();
    expect(counterOf(await raw(mcp(0), { headers: session, body: increment(4) }))).toBe(3);
    expect(await stored(session['mcp-session-id'])).toMatchObject({ epoch: 3, counter: 3 });
  }, 30_000);

  it('fails the old owner\'s next write, keeps nothing of it, and rebuilds the session from the table on the request after', async () => {
    const session = await open(0);
    const id = session['mcp-session-id'];
    expect(counterOf(await raw(mcp(0), { headers: session, body: increment(1) }))).toBe(1);
    await quiet();
    expect(counterOf(await raw(mcp(1), { headers: session, body: increment(2) }))).toBe(2);

    // Instance 0 still holds a copy that says 1; its increment to 2 must not land next to instance 1's.
    const fenced = await raw(mcp(0), { headers: session, body: increment(3) });
    expect(fenced.status).toBe(200);
    expect(errorIn(fenced)).toMatchObject({ code: -32000, message: expect.stringMatching(/moved to another instance.*nothing it changed was kept/) });
    expect(await stored(id)).toMatchObject({ epoch: 2, counter: 2, owner: expect.stringContaining(String(cluster.servers[1]!.child.pid)) });

    // Instance 1 just wrote the session, so instance 0 declines to take it yet (nothing happens, 503), then takes it once it is quiet.
    const declined = await raw(mcp(0), { headers: session, body: increment(4) });
    expect(declined.status).toBe(503);
    expect(declined.headers['retry-after']).toBe('1');
    expect(declined.error?.code).toBe(-32000);
    await quiet();
    expect(counterOf(await raw(mcp(0), { headers: session, body: increment(5) }))).toBe(3);
    // And the other way round: instance 1's copy is now the stale one.
    expect(errorIn(await raw(mcp(1), { headers: session, body: increment(6) }))?.code).toBe(-32000);
    expect(await stored(id)).toMatchObject({ epoch: 3, counter: 3 });
  }, 30_000);
});
