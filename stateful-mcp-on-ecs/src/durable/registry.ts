/**
 * The session registry: one item per session holding everything durable about it: the stored
 * `initialize` request, the principal it belongs to, the owner instance, its address (where other
 * instances forward the session's requests) and its ownership epoch, the settings the transport
 * keeps in memory (logging level, subscriptions), the counter, and the last `maxEvents` GET-stream
 * events in slots `e<seq % maxEvents>`. One item, so every write is one `UpdateItem` that the
 * epoch condition fences: a displaced owner cannot store anything, events included.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { sessionTag } from '@mcp-on-aws/shared';

import { epochSeconds, expirySeconds, META, pk, type SessionTable } from './table';

/**
 * How long a session stays with the owner that last wrote it before another instance may take it
 * over. A balancer re-routes a client only when its task looks dead (the ALB: two failed health
 * checks, 20 s), so in AWS this never delays a failover; it keeps two instances that a stale
 * cookie spreads one client's concurrent requests over from taking the session from each other
 * mid-request.
 */
export const OWNER_GRACE_MS = 2_000;

export interface StoredEvent {
  seq: number;
  message: JSONRPCMessage;
}

/** What a session's owner keeps in memory and writes back whole. */
export interface SessionState {
  counter: number;
  /** The sequence number of the session's last GET-stream event. */
  seq: number;
  logLevel?: string;
  subscriptions: string[];
}

export interface StoredSession extends SessionState {
  id: string;
  initialize: JSONRPCMessage;
  /** `principalDigest` of the caller that initialized it; absent with authentication off. */
  principal?: string;
  owner: string;
  /** Where the owner takes forwarded requests (`host:port`); absent when it advertises none, or released the session. */
  address?: string;
  epoch: number;
  createdAt: number;
  lastSeen: number;
  expiresAt: number;
  /** The stored GET-stream events, oldest first. */
  events: StoredEvent[];
}

/** The epoch condition failed: another instance took the session over, or it was deleted or expired. */
export class SessionMovedError extends Error {
  override readonly name = 'SessionMovedError';
  constructor(sessionId: string, options?: ErrorOptions) {
    super(`session ${sessionTag(sessionId)} moved to another instance, or ended; this instance no longer holds it`, options);
  }
}

export class SessionRegistry {
  /** This instance's address, written with every ownership it takes; unset, it advertises none and nothing is forwarded to it. */
  address?: string;

  constructor(
    private readonly table: SessionTable,
    /** This instance: the owner it writes. */
    readonly owner: string,
    /** A session no write reached for this long is expired (and TTL removes it later). */
    readonly ttlMs: number,
    /** GET-stream events kept per session, for `Last-Event-ID` replay. */
    readonly maxEvents: number,
    readonly now: () => number = Date.now,
    private readonly graceMs = OWNER_GRACE_MS,
  ) {}

  private expiry(): number {
    return expirySeconds(this.now() + this.ttlMs);
  }

  /** Registers a new session for `principal`, owned by this instance at epoch 1. */
  async create(id: string, initialize: JSONRPCMessage, principal?: string): Promise<StoredSession> {
    const now = this.now();
    const item = { principal, owner: this.owner, address: this.address, epoch: 1, createdAt: now, lastSeen: now, expiresAt: this.expiry(), counter: 0, seq: 0, subscriptions: [] };
    await this.table.doc.send(
      new PutCommand({ TableName: this.table.name, Item: { pk: pk(id), sk: META, initialize: JSON.stringify(initialize), ...item }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return { id, initialize, ...item, events: [] };
  }

  /** The session, or `undefined` when it is unknown, deleted or expired. */
  async load(id: string): Promise<StoredSession | undefined> {
    const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: { pk: pk(id), sk: META }, ConsistentRead: true }));
    if (!Item || Item.expiresAt <= epochSeconds(this.now())) return undefined;
    const seq = (Item.seq as number | undefined) ?? 0;
    const events = Object.entries(Item)
      .filter(([key]) => /^e\d+$/.test(key))
      .map(([, slot]) => slot as { s: number; m: string })
      // A slot outside the window belongs to a larger MCP_EVENTS_PER_SESSION of an earlier deployment.
      .filter((slot) => slot.s > seq - this.maxEvents && slot.s <= seq)
      .sort((a, b) => a.s - b.s)
      .map((slot) => ({ seq: slot.s, message: JSON.parse(slot.m) as JSONRPCMessage }));
    return {
      id,
      initialize: JSON.parse(Item.initialize),
      principal: Item.principal,
      owner: Item.owner,
      address: Item.address,
      epoch: Item.epoch,
      createdAt: Item.createdAt,
      lastSeen: Item.lastSeen,
      expiresAt: Item.expiresAt,
      counter: Item.counter ?? 0,
      seq,
      logLevel: Item.logLevel,
      subscriptions: [...((Item.subscriptions as Iterable<string> | undefined) ?? [])],
      events,
    };
  }

  /**
   * Takes the session over from the epoch seen in `load`. `false` when another instance got there
   * first, or when its owner wrote it within the grace period (it is alive and busy with it).
   * `ownerGone`: the owner's address refused a connection, or its instance said it no longer holds
   * the session, so the grace period does not apply; the epoch still fences the write.
   */
  async takeOwnership(session: StoredSession, { ownerGone = false } = {}): Promise<boolean> {
    const values: Record<string, unknown> = {
      ':me': this.owner,
      ':next': session.epoch + 1,
      ':seen': session.epoch,
      ':now': this.now(),
      ':exp': this.expiry(),
      ':nowS': epochSeconds(this.now()),
    };
    if (!ownerGone) values[':quiet'] = this.now() - this.graceMs;
    if (this.address) values[':address'] = this.address;
    return this.updateIf(
      new UpdateCommand({
        TableName: this.table.name,
        Key: { pk: pk(session.id), sk: META },
        UpdateExpression: `SET #owner = :me, epoch = :next, lastSeen = :now, expiresAt = :exp${this.address ? ', address = :address' : ' REMOVE address'}`,
        ConditionExpression: `epoch = :seen AND expiresAt > :nowS${ownerGone ? '' : ' AND (lastSeen < :quiet OR #owner = :me)'}`,
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: values,
      }),
    );
  }

  /**
   * This instance stops holding the session at `epoch` (it closed the session's transport: idle, or
   * draining on SIGTERM): its address goes and its last write moves out of the grace period, so the
   * next request on any instance takes the session over at once. Fenced like any write: `false`
   * when the session moved on already.
   */
  release(id: string, epoch: number): Promise<boolean> {
    return this.updateIf(
      new UpdateCommand({
        TableName: this.table.name,
        Key: { pk: pk(id), sk: META },
        UpdateExpression: 'SET lastSeen = :released REMOVE address',
        ConditionExpression: 'epoch = :epoch',
        ExpressionAttributeValues: { ':released': 0, ':epoch': epoch },
      }),
    );
  }

  /** A conditional write: `false` when its condition failed (another instance moved the session on). */
  private async updateIf(update: UpdateCommand): Promise<boolean> {
    try {
      await this.table.doc.send(update);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Writes the owner's state and new events in one `UpdateItem`, only while `epoch` is still the
   * session's: otherwise `SessionMovedError`, and nothing is stored.
   */
  async write(id: string, epoch: number, state: SessionState, events: StoredEvent[]): Promise<void> {
    const values: Record<string, unknown> = {
      ':counter': state.counter,
      ':seq': state.seq,
      ':subscriptions': state.subscriptions,
      ':epoch': epoch,
      ':now': this.now(),
      ':exp': this.expiry(),
      ':nowS': epochSeconds(this.now()),
    };
    const set = ['#counter = :counter', 'seq = :seq', 'subscriptions = :subscriptions', 'lastSeen = :now', 'expiresAt = :exp'];
    if (state.logLevel !== undefined) {
      set.push('logLevel = :logLevel');
      values[':logLevel'] = state.logLevel;
    }
    // Only the newest event per slot: a burst longer than the window overwrites its own start.
    const slots = new Map(events.map((e) => [e.seq % this.maxEvents, e]));
    for (const [slot, event] of slots) {
      set.push(`e${slot} = :e${slot}`);
      values[`:e${slot}`] = { s: event.seq, m: JSON.stringify(event.message) };
    }
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: pk(id), sk: META },
          UpdateExpression: `SET ${set.join(', ')}`,
          ConditionExpression: 'epoch = :epoch AND expiresAt > :nowS',
          ExpressionAttributeNames: { '#counter': 'counter' },
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new SessionMovedError(id, { cause: error });
      throw error;
    }
  }

  /** The session's current epoch, or `undefined` when it is gone: a cheap, eventually consistent read. */
  async epochOf(id: string): Promise<number | undefined> {
    const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: { pk: pk(id), sk: META }, ProjectionExpression: 'epoch, expiresAt' }));
    return Item && Item.expiresAt > epochSeconds(this.now()) ? (Item.epoch as number) : undefined;
  }

  /** DELETE ends a session everywhere: its one item goes, and every other instance's next write fails. */
  async delete(id: string): Promise<void> {
    await this.table.doc.send(new DeleteCommand({ TableName: this.table.name, Key: { pk: pk(id), sk: META } }));
  }
}
