/**
 * Forwarding between instances, request by request, straight to the instances (no balancer), so
 * the test decides where each request lands: the registry records the owner's address; a request
 * elsewhere is forwarded there; a false claim to be forwarded is refused; a forwarded request is
 * never forwarded again; a slow owner is waited for, never displaced; and an owner draining on
 * SIGTERM hands its sessions over.
 */
import { randomBytes } from 'node:crypto';

import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

import { raw, type RawResponse } from '../../shared/test/support/raw-http';
import { CONNECT_TIMEOUT_MS, FORWARDED_HEADER, ForwardSigner, NOT_HELD_STATUS, SIGNATURE_TTL_MS } from '../src/durable/forwarding';
import { META, pk } from '../src/durable/table';
import { startDurableCluster, type DurableCluster } from './support/cluster';
import { rawSession } from './support/stateful';

const sharedKey = randomBytes(32).toString('base64');
const signer = new ForwardSigner(Buffer.from(sharedKey, 'base64'));
const rpc = (id: number, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const increment = (id: number) => rpc(id, 'tools/call', { name: 'increment_counter', arguments: {} });
const counterOf = (r: RawResponse) => Number(/"structuredContent":\{"value":(\d+)\}/.exec(r.text)?.[1]);
const instanceOf = (r: RawResponse) => /"instance":"([^"]+)"/.exec(r.text)?.[1];
const ping = (id: number) => rpc(id, 'tools/call', { name: 'ping', arguments: {} });

describe('forwarding a session\'s requests to its owner (three instances, one table, one key)', () => {
  let cluster: DurableCluster;
  const url = (i: number) => `${cluster.servers[i]!.url}/mcp`;
  const address = (i: number) => new URL(cluster.servers[i]!.url).host;
  const stored = async (id: string) => (await cluster.table.doc.send(new GetCommand({ TableName: cluster.table.name, Key: { pk: pk(id), sk: META }, ConsistentRead: true }))).Item!;
  const open = (i: number) => rawSession(url(i));
  beforeAll(async () => void (cluster = await startDurableCluster('node', { sharedKey })), 30_000);
  afterAll(() => cluster?.stop());

  it('records the owner\'s address with the session, and forwards a request that lands elsewhere to it', async () => {
    const session = await open(0);
    const id = session['mcp-session-id'];
    expect(await stored(id)).toMatchObject({ epoch: 1, address: address(0) });
    const owner = instanceOf(await raw(url(0), { headers: session, body: ping(1) }));
    for (const i of [1, 2, 1]) expect(instanceOf(await raw(url(i), { headers: session, body: ping(2) }))).toBe(owner);
    expect(counterOf(await raw(url(2), { headers: session, body: increment(3) }))).toBe(1);
    expect(counterOf(await raw(url(1), { headers: session, body: increment(4) }))).toBe(2);
    // Nobody took it over: the owner served every request.
    expect(await stored(id)).toMatchObject({ epoch: 1, counter: 2, address: address(0) });
  });

  it('refuses a request that claims to be forwarded without a valid signature: 403 with a JSON-RPC error', async () => {
    const session = await open(0);
    const id = session['mcp-session-id'];
    const now = Date.now();
    const claims = {
      garbage: 'not-a-signature',
      forged: `${now}.${'A'.repeat(43)}`,
      stale: signer.sign('POST', id, address(0), now - SIGNATURE_TTL_MS - 5_000),
      'for another instance': signer.sign('POST', id, address(1), now),
      'for another method': signer.sign('DELETE', id, address(0), now),
      'for another session': signer.sign('POST', '00000000-0000-4000-8000-000000000000', address(0), now),
    };
    for (const [what, claim] of Object.entries(claims)) {
      const refused = await raw(url(0), { headers: { ...session, [FORWARDED_HEADER]: claim }, body: increment(1) });
      expect({ what, status: refused.status, code: refused.error?.code }).toEqual({ what, status: 403, code: -32000 });
    }
    // The same request, signed as an instance would sign it, is served; nothing before it counted.
    const valid = await raw(url(0), { headers: { ...session, [FORWARDED_HEADER]: signer.sign('POST', id, address(0)) }, body: increment(2) });
    expect(counterOf(valid)).toBe(1);
  });

  it('never forwards a forwarded request again: an instance that does not hold the session answers 421, and takes nothing over', async () => {
    const session = await open(0);
    const id = session['mcp-session-id'];
    const misdirected = await raw(url(1), { headers: { ...session, [FORWARDED_HEADER]: signer.sign('POST', id, address(1)) }, body: increment(1) });
    expect(misdirected.status).toBe(NOT_HELD_STATUS);
    expect(misdirected.error?.code).toBe(-32001);
    expect(await stored(id)).toMatchObject({ epoch: 1, counter: 0, address: address(0) });
  });

  it('takes the session over when the address on record answers that it does not hold it', async () => {
    const session = await open(0);
    const id = session['mcp-session-id'];
    expect(counterOf(await raw(url(0), { headers: session, body: increment(1) }))).toBe(1);
    // The table points at instance 2, which never held the session (a process that restarted on the owner's address, say).
    await cluster.table.doc.send(new UpdateCommand({ TableName: cluster.table.name, Key: { pk: pk(id), sk: META }, UpdateExpression: 'SET address = :a', ExpressionAttributeValues: { ':a': address(2) } }));
    const served = await raw(url(1), { headers: session, body: increment(2) });
    expect(counterOf(served)).toBe(2);
    expect(await stored(id)).toMatchObject({ epoch: 2, counter: 2, address: address(1) });
  });

  it('waits for an owner that is alive but not answering (SIGSTOP), instead of taking its session', async () => {
    const session = await open(0);
    const id = session['mcp-session-id'];
    expect(counterOf(await raw(url(0), { headers: session, body: increment(1) }))).toBe(1);
    const owner = cluster.servers[0]!.child;
    owner.kill('SIGSTOP');
    const started = Date.now();
    const resume = setTimeout(() => owner.kill('SIGCONT'), CONNECT_TIMEOUT_MS + 1_000);
    try {
      // Its kernel still accepts the connection: the owner is slow, not dead, so instance 1 waits.
      const served = await raw(url(1), { headers: session, body: increment(2) });
      expect(Date.now() - started).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS + 1_000);
      expect(counterOf(served)).toBe(2);
    } finally {
      clearTimeout(resume);
      owner.kill('SIGCONT');
    }
    expect(await stored(id)).toMatchObject({ epoch: 1, counter: 2, address: address(0) });
  }, 20_000);

  it('hands its sessions over as it drains on SIGTERM: the table names no owner address, and the next request anywhere takes over at once', async () => {
    const session = await open(2);
    const id = session['mcp-session-id'];
    expect(counterOf(await raw(url(2), { headers: session, body: increment(1) }))).toBe(1);
    expect(await cluster.servers[2]!.stop('SIGTERM')).toBe(0);
    const released = await stored(id);
    expect(released.address).toBeUndefined();
    expect(released).toMatchObject({ epoch: 1, counter: 1, lastSeen: 0 });
    const started = Date.now();
    const served = await raw(url(0), { headers: session, body: increment(2) });
    expect(counterOf(served)).toBe(2);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await stored(id)).toMatchObject({ epoch: 2, counter: 2, address: address(0) });
  });
});
