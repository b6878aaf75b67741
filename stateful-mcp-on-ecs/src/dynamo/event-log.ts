/**
 * The events of each session's GET stream in DynamoDB, so a client whose task died resumes its
 * stream with `Last-Event-ID` on another task. Ids are per-session sequence numbers, so replay
 * follows the original order. Each append is one BatchWriteItem: the new event, and the one that
 * falls out of the `maxEvents` window. Storage is bounded by that window and by TTL; reads skip
 * expired items because TTL deletes lazily.
 *
 * POST-stream events (priming events and responses) stay in this process's memory: they belong
 * to a request in flight here, which dies with the task anyway, and persisting them would cost
 * two writes on every `tools/call`.
 */
import { BatchWriteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';

import type { EventLog } from '../event-log';
import { MemoryEventLog } from '../memory-stores';
import { epochSeconds, eventSk, pk, type SessionTable } from './table';

/** The SDK's fixed stream id for a session's standalone GET stream. */
export const GET_STREAM = '_GET_stream';
const MEMORY_PREFIX = 'm';

export class DynamoEventLog implements EventLog {
  /** The last sequence number this instance wrote per session; learned with one Query after a failover. */
  private readonly last = new Map<string, Promise<number>>();

  constructor(
    private readonly table: SessionTable,
    private readonly maxEvents: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async append(sessionId: string, streamId: string, message: JSONRPCMessage): Promise<string> {
    // Chained, so concurrent appends of one session get consecutive numbers in call order.
    const seq = (this.last.get(sessionId) ?? this.latest(sessionId)).then((n) => n + 1);
    this.last.set(sessionId, seq);
    const n = await seq;
    const put = { PutRequest: { Item: { pk: pk(sessionId), sk: eventSk(n), streamId, message: JSON.stringify(message), expiresAt: epochSeconds(this.now() + this.ttlMs) } } };
    const evict = n > this.maxEvents ? [{ DeleteRequest: { Key: { pk: pk(sessionId), sk: eventSk(n - this.maxEvents) } } }] : [];
    await this.table.doc.send(new BatchWriteCommand({ RequestItems: { [this.table.name]: [put, ...evict] } }));
    return String(n);
  }

  async streamOf(sessionId: string, eventId: string): Promise<string | undefined> {
    const seq = parseSeq(eventId);
    if (seq === undefined) return undefined;
    const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: { pk: pk(sessionId), sk: eventSk(seq) }, ConsistentRead: true }));
    return Item && Item.expiresAt > epochSeconds(this.now()) ? (Item.streamId as string) : undefined;
  }

  async after(sessionId: string, eventId: string): Promise<Array<{ id: string; message: JSONRPCMessage }>> {
    const seq = parseSeq(eventId);
    if (seq === undefined) return [];
    const items: Array<Record<string, unknown>> = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': pk(sessionId), ':from': eventSk(seq + 1), ':to': eventSk(1e12 - 1) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const nowS = epochSeconds(this.now());
    const streamId = (await this.streamOf(sessionId, eventId)) ?? GET_STREAM;
    return items
      .filter((i) => (i.expiresAt as number) > nowS && i.streamId === streamId)
      .map((i) => ({ id: String(Number(String(i.sk).slice('EVENT#'.length))), message: JSON.parse(i.message as string) }));
  }

  /** Local only: the session's items go with the registry entry (`SessionRegistry.delete`). */
  async forget(sessionId: string): Promise<void> {
    this.last.delete(sessionId);
  }

  private async latest(sessionId: string): Promise<number> {
    const { Items } = await this.table.doc.send(
      new QueryCommand({ TableName: this.table.name, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)', ExpressionAttributeValues: { ':pk': pk(sessionId), ':e': 'EVENT#' }, ScanIndexForward: false, Limit: 1, ConsistentRead: true }),
    );
    return Items?.[0] ? Number(String(Items[0].sk).slice('EVENT#'.length)) : 0;
  }
}

function parseSeq(eventId: string): number | undefined {
  if (!/^\d{1,12}$/.test(eventId)) return undefined;
  return Number(eventId);
}

/** GET-stream events to the durable log, every other stream's to memory (ids prefixed `m`). */
export function splitEventLog(durable: EventLog, memory: EventLog = new MemoryEventLog()): EventLog {
  const local = (id: string) => id.startsWith(MEMORY_PREFIX);
  return {
    append: async (sessionId, streamId, message) =>
      streamId === GET_STREAM ? durable.append(sessionId, streamId, message) : MEMORY_PREFIX + (await memory.append(sessionId, streamId, message)),
    streamOf: (sessionId, eventId) => (local(eventId) ? memory.streamOf(sessionId, eventId.slice(1)) : durable.streamOf(sessionId, eventId)),
    after: async (sessionId, eventId) =>
      local(eventId) ? (await memory.after(sessionId, eventId.slice(1))).map((e) => ({ ...e, id: MEMORY_PREFIX + e.id })) : durable.after(sessionId, eventId),
    forget: async (sessionId) => void (await Promise.all([durable.forget(sessionId), memory.forget(sessionId)])),
  };
}
