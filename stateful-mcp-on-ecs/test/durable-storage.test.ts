/** Durable sessions' storage against dynalite: event order and replay, isolation, expiry, ownership and fencing, writes per change. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';

import { startDynalite, type LocalDynamo } from '../../local/dynalite';
import { DurableEventStore, Replays } from '../src/durable/event-store';
import { OwnedSessions } from '../src/durable/owned-sessions';
import { OWNER_GRACE_MS, SessionMovedError, SessionRegistry } from '../src/durable/registry';
import { GET_STREAM } from '../src/durable/sdk-internals';
import { createLocalTable, META, pk, sessionTable, type SessionTable } from '../src/durable/table';
import { EventMemory } from '../src/memory-event-store';
import { loadSessionConfig } from '../src/session-config';

const update = (n: number) => ({ jsonrpc: '2.0' as const, method: 'notifications/resources/updated', params: { uri: `u${n}` } });
const initialize = { jsonrpc: '2.0' as const, id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } };

/** Every event a replay after `lastEventId` sends, as [id, message]. */
async function replay(events: DurableEventStore, lastEventId: string): Promise<{ streamId: string; sent: Array<[string, JSONRPCMessage]> }> {
  const sent: Array<[string, JSONRPCMessage]> = [];
  const streamId = await events.replayEventsAfter(lastEventId, { send: async (id, message) => void sent.push([id, message]) });
  return { streamId, sent };
}

describe('durable session storage (dynalite)', () => {
  let dynamo: LocalDynamo;
  let table: SessionTable;
  /** Every command the table's client sends, by name: a real middleware on the real client. */
  const calls: string[] = [];
  let clock = Date.UTC(2026, 0, 1);
  const now = () => clock;
  const instance = (owner: string, maxEvents = 100) => new OwnedSessions(new SessionRegistry(table, owner, 60_000, maxEvents, now), 6_000);
  const eventsOf = (sessions: OwnedSessions, id: string) => new DurableEventStore(id, sessions, new Replays(), new EventMemory(loadSessionConfig({})).storeFor(id));
  const item = async (id: string) => (await table.doc.send(new GetCommand({ TableName: 'sessions', Key: { pk: pk(id), sk: META }, ConsistentRead: true }))).Item;
  beforeAll(async () => {
    dynamo = await startDynalite();
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    client.middlewareStack.add((next, context) => async (args) => (calls.push(context.commandName!), next(args)), { step: 'initialize', name: 'recordCalls' });
    table = sessionTable('sessions', undefined, client);
    await createLocalTable(table);
    await createLocalTable(table); // a second process finds it there
  });
  afterAll(async () => {
    table?.doc.destroy();
    await dynamo?.stop();
  });
  /** Lets the owner's last write age past the grace period, as a dead owner's does. */
  const quiet = () => (clock += OWNER_GRACE_MS + 1);

  it('appends GET-stream events with increasing ids and replays those after an id, in order', async () => {
    const a = instance('a');
    const events = eventsOf(a, 'order');
    await a.create('order', initialize);
    const ids = [];
    for (let n = 1; n <= 12; n++) ids.push(await events.storeEvent(GET_STREAM, update(n)));
    expect(ids).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
    expect(await events.getStreamIdForEventId('9')).toBe(GET_STREAM);
    expect(await replay(events, '9')).toEqual({ streamId: GET_STREAM, sent: [10, 11, 12].map((n) => [String(n), update(n)]) });
    // The SDK's replay: one read of the session's item.
    calls.length = 0;
    expect((await replay(events, '10')).sent.map(([id]) => id)).toEqual(['11', '12']);
    expect(calls).toEqual(['GetItemCommand']);
  });

  it('continues the sequence, counter and settings on the instance that takes the session over', async () => {
    const a = instance('a');
    await a.create('handover', initialize);
    await a.increment('handover');
    a.apply('handover', { logLevel: 'debug' });
    a.apply('handover', { subscribe: 'session://counter' });
    await a.append('handover', update(1));
    quiet();
    const b = instance('b');
    const stored = (await b.load('handover'))!;
    expect(stored).toMatchObject({ owner: 'a', epoch: 1, counter: 1, seq: 1, logLevel: 'debug', subscriptions: ['session://counter'], initialize });
    expect(await b.takeOver(stored)).toBe(true);
    expect(await Promise.all([b.append('handover', update(2)), b.append('handover', update(3))])).toEqual([2, 3]);
    expect(await b.increment('handover')).toBe(2);
    await b.flush('handover');
    expect(await b.load('handover')).toMatchObject({ owner: 'b', epoch: 2, counter: 2, seq: 3, events: [1, 2, 3].map((n) => ({ seq: n, message: update(n) })) });
  });

  it('keeps sessions apart, though every session has the same GET stream id', async () => {
    const a = instance('a');
    const [eventsA, eventsB] = [eventsOf(a, 'apart-a'), eventsOf(a, 'apart-b')];
    await Promise.all([a.create('apart-a', initialize), a.create('apart-b', initialize)]);
    await eventsA.storeEvent(GET_STREAM, update(1));
    await eventsB.storeEvent(GET_STREAM, update(100));
    await eventsA.storeEvent(GET_STREAM, update(2));
    expect((await replay(eventsA, '1')).sent.map(([, message]) => message)).toEqual([update(2)]);
    expect(await replay(eventsB, '1')).toEqual({ streamId: GET_STREAM, sent: [] });
    expect(await eventsB.getStreamIdForEventId('2')).toBeUndefined();
  });

  it('keeps only the last maxEvents events, in as many slots', async () => {
    const a = instance('a', 3);
    const events = eventsOf(a, 'bounded');
    await a.create('bounded', initialize);
    for (let n = 1; n <= 7; n++) await events.storeEvent(GET_STREAM, update(n));
    expect(await events.getStreamIdForEventId('4')).toBeUndefined();
    expect((await replay(events, '5')).sent.map(([id]) => id)).toEqual(['6', '7']);
    await expect(replay(events, '4')).rejects.toThrow(/Unknown event id 4/);
    expect(Object.keys((await item('bounded'))!).filter((k) => /^e\d+$/.test(k)).sort()).toEqual(['e0', 'e1', 'e2']);
  });

  it('ignores an expired session and its events, which dynalite (like DynamoDB, lazily) has not deleted', async () => {
    const a = instance('a');
    const events = eventsOf(a, 'old');
    await a.create('old', initialize);
    await events.storeEvent(GET_STREAM, update(1));
    expect(await a.load('old')).toMatchObject({ owner: 'a', epoch: 1 });
    clock += 61_000;
    expect(await item('old')).toBeDefined();
    expect(await events.getStreamIdForEventId('1')).toBeUndefined();
    expect(await a.load('old')).toBeUndefined();
    await a.increment('old');
    await expect(a.flush('old')).rejects.toThrow(SessionMovedError);
  });

  it('lets exactly one of two instances take a session over from the same epoch', async () => {
    const a = instance('a');
    const b = instance('b');
    const c = instance('c');
    await a.create('raced', initialize);
    quiet();
    const seen = (await b.load('raced'))!;
    const wins = await Promise.all([b.takeOver(seen), c.takeOver(seen)]);
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await a.load('raced')).toMatchObject({ owner: wins[0] ? 'b' : 'c', epoch: 2 });
    await expect(a.create('raced', initialize)).rejects.toThrow(/conditional/i);
  });

  it('leaves a session with an owner that wrote it within the grace period, then lets it go', async () => {
    const a = instance('a');
    const b = instance('b');
    await a.create('busy', initialize);
    await a.increment('busy');
    await a.flush('busy');
    expect(await b.takeOver((await b.load('busy'))!)).toBe(false);
    quiet();
    expect(await b.takeOver((await b.load('busy'))!)).toBe(true);
  });

  it('fences the displaced owner: its next write fails, stores nothing, and its copy is lost for good', async () => {
    const a = instance('a');
    const b = instance('b');
    await a.create('fenced', initialize);
    expect(await a.increment('fenced')).toBe(1);
    await a.append('fenced', update(1));
    quiet();
    expect(await b.takeOver((await b.load('fenced'))!)).toBe(true);
    expect(await a.stillOwned('fenced')).toBe(false);
    expect(await b.stillOwned('fenced')).toBe(true);

    // a still believes it holds the session: its change stays in its memory, and the write fails the epoch condition.
    expect(await a.increment('fenced')).toBe(2);
    await expect(a.append('fenced', update(2))).rejects.toThrow(SessionMovedError);
    await expect(a.flush('fenced')).rejects.toThrow(SessionMovedError);
    expect(await b.load('fenced')).toMatchObject({ owner: 'b', epoch: 2, counter: 1, seq: 1 });
    expect(await b.increment('fenced')).toBe(2);
  });

  it('stores a change and the event announcing it in one write, and concurrent changes in fewer writes than changes', async () => {
    const a = instance('a');
    await a.create('writes', initialize);
    calls.length = 0;
    await a.increment('writes');
    expect(calls).toEqual([]); // nothing leaves yet: no write
    await a.append('writes', update(1));
    await a.flush('writes'); // the response: nothing left to write
    expect(calls).toEqual(['UpdateItemCommand']);
    calls.length = 0;
    await Promise.all(Array.from({ length: 10 }, async () => (await a.increment('writes'), a.flush('writes'))));
    expect(calls.length).toBeLessThan(10);
    expect(await a.load('writes')).toMatchObject({ counter: 11 });
  });

  it('keeps the counter and settings on the session, and DELETE removes it', async () => {
    const a = instance('a');
    await a.create('full', initialize);
    expect(await Promise.all([a.increment('full'), a.increment('full'), a.increment('full')])).toEqual([1, 2, 3]);
    a.apply('full', { logLevel: 'debug' });
    a.apply('full', { subscribe: 'session://counter' });
    a.apply('full', { subscribe: 'x://y' });
    a.apply('full', { unsubscribe: 'x://y' });
    await a.append('full', update(1));
    expect(await a.load('full')).toMatchObject({ counter: 3, logLevel: 'debug', subscriptions: ['session://counter'] });
    expect(await a.read('full')).toBe(3);
    await a.delete('full');
    expect(await a.load('full')).toBeUndefined();
    expect(await item('full')).toBeUndefined();
  });

  it('keeps POST-stream events in memory and GET-stream events in the table, behind one EventStore', async () => {
    const a = instance('a');
    await a.create('split', initialize);
    const events = eventsOf(a, 'split');
    const post = await events.storeEvent('req-1', {} as never); // a priming event
    const get = await events.storeEvent(GET_STREAM, update(1));
    expect(post).toBe('m1');
    expect(get).toBe('1');
    expect(await events.getStreamIdForEventId(post)).toBe('req-1');
    expect(await events.getStreamIdForEventId(get)).toBe(GET_STREAM);
    await events.storeEvent('req-1', update(2));
    expect(await replay(events, post)).toEqual({ streamId: 'req-1', sent: [['m2', update(2)]] });
    expect(await item('split')).toMatchObject({ seq: 1 }); // the POST-stream events wrote nothing
  });

  it("bounds the POST-stream events it keeps in memory as the in-memory store does: the last answered streams, within the session's bytes", async () => {
    const a = instance('a');
    await a.create('posts', initialize);
    const memory = new EventMemory({ ...loadSessionConfig({}), answeredStreamsPerSession: 1, maxEventBytesPerSession: 2_048 });
    const events = new DurableEventStore('posts', a, new Replays(), memory.storeFor('posts'));
    const answer = (id: number, text: string): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } });
    const first = await events.storeEvent('req-1', {} as never);
    await events.storeEvent('req-1', answer(1, 'one'));
    const second = await events.storeEvent('req-2', {} as never);
    await events.storeEvent('req-2', answer(2, 'two'));
    expect(await events.getStreamIdForEventId(first)).toBeUndefined(); // its answered stream went for req-2's
    expect(await replay(events, second)).toEqual({ streamId: 'req-2', sent: [['m4', answer(2, 'two')]] });
    await events.storeEvent('req-3', answer(3, 'x'.repeat(3_000))); // over the session's bytes: sent, not kept
    expect(memory.bytes).toBeLessThanOrEqual(2_048);
    memory.release('posts');
    expect(memory.bytes).toBe(0);
    expect(await item('posts')).toMatchObject({ seq: 0 }); // none of it was written
  });

  it('never expires a session before the idle timeout, whatever the fraction of a second it was written at', async () => {
    const a = instance('a');
    clock = Math.floor(clock / 1000) * 1000 + 999;
    await a.create('rounded', initialize);
    clock += 60_000 - 1;
    expect(await a.load('rounded')).toMatchObject({ owner: 'a' });
    clock += 1_000;
    expect(await a.load('rounded')).toBeUndefined();
  });
});
