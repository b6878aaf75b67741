/**
 * The session registry: one `META` item per session holding the stored `initialize` request, the
 * owner instance with an ownership epoch, the settings the transport keeps in memory (logging
 * level, subscriptions) and the counter. Ownership changes by a conditional write on the epoch,
 * so of two instances racing to adopt a session, exactly one write wins.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import type { SessionCounter } from '@mcp-on-aws/shared';

import { deleteSessionItems, epochSeconds, META, pk, type SessionTable } from './table';

export interface StoredSession {
  id: string;
  initialize: JSONRPCMessage;
  owner: string;
  epoch: number;
  createdAt: number;
  lastSeen: number;
  expiresAt: number;
  logLevel?: string;
  subscriptions: string[];
}

export type Setting = { logLevel: string } | { subscribe: string } | { unsubscribe: string };

export class SessionRegistry implements SessionCounter {
  constructor(
    private readonly table: SessionTable,
    /** This instance: the owner it writes. */
    readonly owner: string,
    /** A session nobody touched for this long is expired (and TTL removes it later). */
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private expiry(): number {
    return epochSeconds(this.now() + this.ttlMs);
  }

  async create(id: string, initialize: JSONRPCMessage): Promise<void> {
    const now = this.now();
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { pk: pk(id), sk: META, initialize: JSON.stringify(initialize), owner: this.owner, epoch: 1, createdAt: now, lastSeen: now, expiresAt: this.expiry(), counter: 0 },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /** The session, or `undefined` when it is unknown, deleted or expired. */
  async load(id: string): Promise<StoredSession | undefined> {
    const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: { pk: pk(id), sk: META }, ConsistentRead: true }));
    if (!Item || Item.expiresAt <= epochSeconds(this.now())) return undefined;
    return {
      id,
      initialize: JSON.parse(Item.initialize),
      owner: Item.owner,
      epoch: Item.epoch,
      createdAt: Item.createdAt,
      lastSeen: Item.lastSeen,
      expiresAt: Item.expiresAt,
      logLevel: Item.logLevel,
      subscriptions: Item.subscriptions ? [...(Item.subscriptions as Set<string>)] : [],
    };
  }

  /** Takes the session over from the epoch seen in `load`; `false` when another instance got there first. */
  async takeOwnership(session: StoredSession): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: pk(session.id), sk: META },
          UpdateExpression: 'SET #owner = :me, epoch = :next, lastSeen = :now, expiresAt = :exp',
          ConditionExpression: 'epoch = :seen AND expiresAt > :nowS',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':me': this.owner, ':next': session.epoch + 1, ':seen': session.epoch, ':now': this.now(), ':exp': this.expiry(), ':nowS': epochSeconds(this.now()) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Persists a setting the transport holds in memory, so that rehydration can re-apply it. */
  async save(id: string, setting: Setting): Promise<void> {
    const [expression, values]: [string, Record<string, unknown>] =
      'logLevel' in setting
        ? ['SET logLevel = :v, lastSeen = :now, expiresAt = :exp', { ':v': setting.logLevel }]
        : 'subscribe' in setting
          ? ['ADD subscriptions :v SET lastSeen = :now, expiresAt = :exp', { ':v': new Set([setting.subscribe]) }]
          : ['DELETE subscriptions :v SET lastSeen = :now, expiresAt = :exp', { ':v': new Set([setting.unsubscribe]) }];
    await this.update(id, expression, values);
  }

  /** Moves the expiry forward; callers throttle it, so a chatty session does not write per request. */
  async touch(id: string): Promise<void> {
    await this.update(id, 'SET lastSeen = :now, expiresAt = :exp', {});
  }

  async increment(id: string): Promise<number> {
    const attributes = await this.update(id, 'ADD #counter :one SET lastSeen = :now, expiresAt = :exp', { ':one': 1 });
    return attributes.counter as number;
  }

  async read(id: string): Promise<number> {
    const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: { pk: pk(id), sk: META }, ProjectionExpression: '#counter, expiresAt', ExpressionAttributeNames: { '#counter': 'counter' } }));
    return Item && Item.expiresAt > epochSeconds(this.now()) ? (Item.counter as number) : 0;
  }

  async delete(id: string): Promise<void> {
    await deleteSessionItems(this.table, id);
  }

  /** One write, no read: the condition keeps a deleted or expired session from coming back. */
  private async update(id: string, expression: string, values: Record<string, unknown>): Promise<Record<string, unknown>> {
    const names: Record<string, string> = expression.includes('#counter') ? { '#counter': 'counter' } : {};
    const { Attributes } = await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: { pk: pk(id), sk: META },
        UpdateExpression: expression,
        ConditionExpression: 'attribute_exists(pk) AND expiresAt > :nowS',
        ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
        ExpressionAttributeValues: { ...values, ':now': this.now(), ':exp': this.expiry(), ':nowS': epochSeconds(this.now()) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Attributes ?? {};
  }
}
