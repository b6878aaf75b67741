/**
 * The sessions this instance owns, as write-behind state over the registry (`registry.ts`). While
 * it holds a session's epoch no other instance can write the session (every write is conditional
 * on that epoch), so the owner's memory is the truth: the counter, the settings and the event
 * sequence change in memory, and go back to the table in one `UpdateItem` just before anything
 * that depends on them leaves this instance: the GET-stream event that announces them, or the
 * response. So a request that
 * changes state and emits an event costs one write, an acknowledged change survives a SIGKILL,
 * and an event is stored before it is delivered. A write that fails (the epoch moved, or DynamoDB
 * refused it) marks the session lost here: memory may be ahead of the table, so it is dropped and
 * the next request rebuilds it from the table.
 */
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';
import { sessionTag, type SessionCounter } from '@mcp-on-aws/shared';

import type { SessionRegistry, SessionState, StoredEvent, StoredSession } from './registry';

export type Setting = { logLevel: string } | { subscribe: string } | { unsubscribe: string };

class OwnedSession {
  /** Changes made in memory, and how many of them the table has. */
  private version = 0;
  private written = 0;
  private pending: StoredEvent[] = [];
  private writing?: Promise<void>;
  private lost?: Error;
  /** Settings requested and not yet answered, by request id: one takes effect when the server accepts it. */
  readonly unanswered = new Map<RequestId, Setting>();
  /** When the table last took a write for it, which moved its expiry forward. */
  writtenAt: number;

  constructor(
    private readonly registry: SessionRegistry,
    private readonly id: string,
    readonly epoch: number,
    readonly state: SessionState,
  ) {
    this.writtenAt = registry.now();
  }

  change<T>(apply: (state: SessionState) => T): T {
    const result = apply(this.state);
    this.version++;
    return result;
  }

  async append(message: JSONRPCMessage): Promise<number> {
    const seq = this.change((s) => ++s.seq);
    this.pending.push({ seq, message });
    await this.flush();
    return seq;
  }

  /** Resolves once every change made so far is in the table; one write at a time, so the last one wins. A lost copy acknowledges nothing. */
  async flush(): Promise<void> {
    const target = this.version;
    if (this.lost) throw this.lost;
    while (this.written < target) {
      if (this.lost) throw this.lost;
      this.writing ??= this.writeBack().finally(() => (this.writing = undefined));
      await this.writing;
    }
  }

  private async writeBack(): Promise<void> {
    const version = this.version;
    const events = this.pending.splice(0);
    const at = this.registry.now();
    try {
      await this.registry.write(this.id, this.epoch, { ...this.state, subscriptions: [...this.state.subscriptions] }, events);
      this.written = version;
      this.writtenAt = at;
    } catch (error) {
      this.lost = error as Error;
      throw error;
    }
  }
}

export class OwnedSessions implements SessionCounter {
  private readonly owned = new Map<string, OwnedSession>();

  constructor(
    private readonly registry: SessionRegistry,
    /** `touch` moves the stored expiry at most this often. */
    private readonly refreshMs: number,
  ) {}

  /** Registers a new session, owned here, for `principal`. */
  async create(id: string, initialize: JSONRPCMessage, principal?: string): Promise<void> {
    this.own(await this.registry.create(id, initialize, principal), 1);
  }

  load(id: string): Promise<StoredSession | undefined> {
    return this.registry.load(id);
  }

  /** Where other instances forward this instance's sessions' requests; unset, it advertises none. */
  get address(): string | undefined {
    return this.registry.address;
  }

  set address(address: string | undefined) {
    this.registry.address = address;
  }

  /**
   * Takes over a session read with `load`; `false` when its owner is alive and busy with it, or
   * another instance won. `ownerGone`: its owner cannot be reached, or said it does not hold it.
   */
  async takeOver(session: StoredSession, options: { ownerGone?: boolean } = {}): Promise<boolean> {
    if (!(await this.registry.takeOwnership(session, options))) return false;
    this.own(session, session.epoch + 1);
    return true;
  }

  /** Forgets this instance's copy; the table keeps the session for another instance (or this one) to rebuild. */
  release(id: string): void {
    this.owned.delete(id);
  }

  /**
   * This instance closed the session (idle, or draining on SIGTERM): what it changed is written,
   * then the table is told, so the next request on any instance takes it over at once instead of
   * trying this one. Fenced: a session that moved on already is left alone.
   */
  async handOver(id: string): Promise<void> {
    const owned = this.owned.get(id);
    if (!owned) return;
    this.owned.delete(id);
    await owned.flush().catch(() => {});
    await this.registry.release(id, owned.epoch);
  }

  async delete(id: string): Promise<void> {
    this.release(id);
    await this.registry.delete(id);
  }

  /** Whether this instance still holds the session's epoch: an eventually consistent read only ever shows an older epoch, never a newer one. */
  async stillOwned(id: string): Promise<boolean> {
    const owned = this.owned.get(id);
    if (!owned) return false;
    const epoch = await this.registry.epochOf(id);
    return epoch !== undefined && epoch <= owned.epoch;
  }

  async increment(id: string): Promise<number> {
    return this.get(id).change((s) => ++s.counter);
  }

  async read(id: string): Promise<number> {
    return this.get(id).state.counter;
  }

  /**
   * A request that changes a setting the transport keeps in memory (`logging/setLevel`,
   * `resources/subscribe`). Nothing changes until the server answers it (`answered`), so a level or
   * URI the server refused is never stored, nor re-applied by rehydration.
   */
  requested(id: string, requestId: RequestId, setting: Setting): void {
    this.owned.get(id)?.unanswered.set(requestId, setting);
  }

  /** The server answered `requestId`: a setting it accepted is applied, and written with that answer. */
  answered(id: string, requestId: RequestId, accepted: boolean): void {
    const owned = this.owned.get(id);
    const setting = owned?.unanswered.get(requestId);
    if (!owned || !setting) return;
    owned.unanswered.delete(requestId);
    if (accepted) this.apply(id, setting);
  }

  /** A setting the transport keeps in memory, stored so rehydration can re-apply it; written with the response. */
  apply(id: string, setting: Setting): void {
    this.owned.get(id)?.change((s) => {
      if ('logLevel' in setting) s.logLevel = setting.logLevel;
      else if ('subscribe' in setting) s.subscriptions = [...new Set([...s.subscriptions, setting.subscribe])];
      else s.subscriptions = s.subscriptions.filter((uri) => uri !== setting.unsubscribe);
    });
  }

  /** Moves the expiry forward, unless a write did so within `refreshMs`: a chatty session costs no write per request. */
  touch(id: string): Promise<void> {
    const owned = this.owned.get(id);
    if (!owned || this.registry.now() - owned.writtenAt < this.refreshMs) return Promise.resolve();
    owned.change(() => undefined);
    return owned.flush();
  }

  /** Stores a GET-stream event (and every change before it) in one write; resolves with its sequence number. */
  append(id: string, message: JSONRPCMessage): Promise<number> {
    return this.get(id).append(message);
  }

  /** Resolves once the session's changes are stored; nothing to do for a session this instance does not own. */
  flush(id: string): Promise<void> {
    return this.owned.get(id)?.flush() ?? Promise.resolve();
  }

  private own(session: StoredSession, epoch: number): void {
    const { counter, seq, logLevel, subscriptions } = session;
    this.owned.set(session.id, new OwnedSession(this.registry, session.id, epoch, { counter, seq, logLevel, subscriptions: [...subscriptions] }));
  }

  private get(id: string): OwnedSession {
    const owned = this.owned.get(id);
    if (!owned) throw new Error(`session ${sessionTag(id)} is not held by this instance`);
    return owned;
  }
}
