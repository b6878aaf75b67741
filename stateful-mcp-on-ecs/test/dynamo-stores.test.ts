/** The DynamoDB stores against dynalite: ordering, replay, isolation, expiry and ownership conflicts. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';

import { DynamoEventLog, GET_STREAM, splitEventLog } from '../src/dynamo/event-log';
import { startDynalite, type LocalDynamo } from '../src/dynamo/local';
import { SessionRegistry } from '../src/dynamo/registry';
import { createLocalTable, eventSk, pk, sessionTable, type SessionTable } from '../src/dynamo/table';

const update = (n: number) => ({ jsonrpc: '2.0' as const, method: 'notifications/resources/updated', params: { uri: `u${n}` } });
const initialize = { jsonrpc: '2.0' as const, id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } };

describe('DynamoDB session stores (dynalite)', () => {
  let dynamo: LocalDynamo;
  let table: SessionTable;
  let clock = Date.UTC(2026, 0, 1);
  const now = () => clock;
  beforeAll(async () => {
    dynamo = await startDynalite();
    table = sessionTable('sessions', dynamo.endpoint);
    await createLocalTable(table);
    await createLocalTable(table); // a second process finds it there
  });
  afterAll(async () => {
    table?.doc.destroy();
    await dynamo?.stop();
  });

  it('appends GET-stream events with increasing ids and replays those after an id, in order', async () => {
    const log = new DynamoEventLog(table, 100, 60_000, now);
    const ids = [];
    for (let n = 1; n <= 12; n++) ids.push(await log.append('order', GET_STREAM, update(n)));
    expect(ids).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
    expect(await log.streamOf('order', '9')).toBe(GET_STREAM);
    const after = await log.after('order', '9');
    expect(after).toEqual([10, 11, 12].map((n) => ({ id: String(n), message: update(n) })));
  });

  it('continues the sequence on another instance after the first one is gone', async () => {
    await new DynamoEventLog(table, 100, 60_000, now).append('handover', GET_STREAM, update(1));
    const next = new DynamoEventLog(table, 100, 60_000, now);
    expect(await Promise.all([next.append('handover', GET_STREAM, update(2)), next.append('handover', GET_STREAM, update(3))])).toEqual(['2', '3']);
  });

  it('keeps sessions apart, though every session has the same GET stream id', async () => {
    const log = new DynamoEventLog(table, 100, 60_000, now);
    await log.append('a', GET_STREAM, update(1));
    await log.append('b', GET_STREAM, update(100));
    await log.append('a', GET_STREAM, update(2));
    expect((await log.after('a', '1')).map((e) => e.message)).toEqual([update(2)]);
    expect(await log.after('b', '1')).toEqual([]);
    expect(await log.streamOf('b', '2')).toBeUndefined();
  });

  it('keeps only the last maxEvents events', async () => {
    const log = new DynamoEventLog(table, 3, 60_000, now);
    for (let n = 1; n <= 6; n++) await log.append('bounded', GET_STREAM, update(n));
    expect(await log.streamOf('bounded', '3')).toBeUndefined();
    expect((await log.after('bounded', '4')).map((e) => e.id)).toEqual(['5', '6']);
  });

  it('ignores expired events and sessions, which dynalite (like DynamoDB, lazily) has not deleted', async () => {
    const log = new DynamoEventLog(table, 100, 60_000, now);
    const registry = new SessionRegistry(table, 'i-1', 60_000, now);
    await registry.create('old', initialize);
    await log.append('old', GET_STREAM, update(1));
    await log.append('old', GET_STREAM, update(2));
    expect(await registry.load('old')).toMatchObject({ owner: 'i-1', epoch: 1, initialize });
    clock += 61_000;
    expect((await table.doc.send(new GetCommand({ TableName: 'sessions', Key: { pk: pk('old'), sk: eventSk(2) } }))).Item).toBeDefined();
    expect(await log.streamOf('old', '1')).toBeUndefined();
    expect(await registry.load('old')).toBeUndefined();
    expect(await registry.read('old')).toBe(0);
    await expect(registry.increment('old')).rejects.toThrow(/conditional/i);
  });

  it('lets exactly one of two instances take a session over from the same epoch', async () => {
    const a = new SessionRegistry(table, 'a', 60_000, now);
    const b = new SessionRegistry(table, 'b', 60_000, now);
    const c = new SessionRegistry(table, 'c', 60_000, now);
    await a.create('raced', initialize);
    const seen = (await b.load('raced'))!;
    const wins = await Promise.all([b.takeOwnership(seen), c.takeOwnership(seen)]);
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await a.load('raced')).toMatchObject({ owner: wins[0] ? 'b' : 'c', epoch: 2 });
    await expect(a.create('raced', initialize)).rejects.toThrow(/conditional/i);
  });

  it('keeps the counter and settings on the session, and DELETE removes every item', async () => {
    const r = new SessionRegistry(table, 'a', 60_000, now);
    const log = new DynamoEventLog(table, 100, 60_000, now);
    await r.create('full', initialize);
    expect(await Promise.all([r.increment('full'), r.increment('full'), r.increment('full')]).then((v) => v.sort())).toEqual([1, 2, 3]);
    await r.save('full', { logLevel: 'debug' });
    await r.save('full', { subscribe: 'session://counter' });
    await r.save('full', { subscribe: 'x://y' });
    await r.save('full', { unsubscribe: 'x://y' });
    await log.append('full', GET_STREAM, update(1));
    expect(await r.load('full')).toMatchObject({ logLevel: 'debug', subscriptions: ['session://counter'] });
    expect(await r.read('full')).toBe(3);
    await r.delete('full');
    expect(await r.load('full')).toBeUndefined();
    expect(await new DynamoEventLog(table, 100, 60_000, now).streamOf('full', '1')).toBeUndefined();
  });

  it('keeps POST-stream events in memory and GET-stream events in the table, behind one EventLog', async () => {
    const log = splitEventLog(new DynamoEventLog(table, 100, 60_000, now));
    const post = await log.append('split', 'req-1', {} as never); // a priming event
    const get = await log.append('split', GET_STREAM, update(1));
    expect(post).toBe('m1');
    expect(get).toBe('1');
    expect(await log.streamOf('split', post)).toBe('req-1');
    expect(await log.streamOf('split', get)).toBe(GET_STREAM);
    await log.append('split', 'req-1', update(2));
    expect(await log.after('split', post)).toEqual([{ id: 'm2', message: update(2) }]);
  });
});
