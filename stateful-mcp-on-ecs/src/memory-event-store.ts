import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';

import type { SessionConfig } from './session-config';

/** Priming events (`{}`) only carry an id for the client to resume from; a replay never resends them. */
export const isPriming = (message: JSONRPCMessage): boolean => !('method' in message) && !('id' in message);

const isResponse = (message: JSONRPCMessage): boolean => 'id' in message && ('result' in message || 'error' in message);

/** How much of every session's SSE events a process keeps in memory for `Last-Event-ID` replay. */
export type EventLimits = Pick<SessionConfig, 'maxEventsPerSession' | 'maxEventBytesPerSession' | 'maxEventBytesPerProcess' | 'answeredStreamsPerSession'>;

interface StoredEvent {
  seq: number;
  streamId: StreamId;
  /** The message as JSON, serialized once: its length is what the event costs, and the parsed message can go. */
  json: string;
  bytes: number;
  store: MemoryEventStore;
}

/**
 * Every session's stored events in this process, oldest first: past `maxEventBytesPerProcess` the
 * oldest event in the process goes, whichever session holds it, so a process's event memory has
 * one bound however many sessions fill their own. It also hands each session its store, and takes
 * the session's events back when the session ends here.
 */
export class EventMemory {
  private readonly fifo = new Set<StoredEvent>();
  private readonly stores = new Map<string, MemoryEventStore>();
  private total = 0;

  constructor(readonly limits: EventLimits) {}

  /** Bytes stored now, across every session. */
  get bytes(): number {
    return this.total;
  }

  /** A fresh store for a new transport of the session, replacing (and emptying) any earlier one. */
  storeFor(sessionId: string): MemoryEventStore {
    this.release(sessionId);
    const store = new MemoryEventStore(this.limits, this);
    this.stores.set(sessionId, store);
    return store;
  }

  /** The session ended here: its events stop counting against the process. */
  release(sessionId: string): void {
    this.stores.get(sessionId)?.clear();
    this.stores.delete(sessionId);
  }

  add(event: StoredEvent): void {
    this.fifo.add(event);
    this.total += event.bytes;
    for (const oldest of this.fifo) {
      if (this.total <= this.limits.maxEventBytesPerProcess) break;
      oldest.store.drop(oldest);
    }
  }

  remove(event: StoredEvent): void {
    if (this.fifo.delete(event)) this.total -= event.bytes;
  }
}

/**
 * One session's SSE events in this process, so a client can resume a stream with `Last-Event-ID`.
 * It keeps at most `maxEventsPerSession` events and `maxEventBytesPerSession` bytes of them (an
 * event bigger than that is sent, not kept), and the process keeps at most
 * `maxEventBytesPerProcess` across sessions (`EventMemory`). A replay from an event no longer
 * kept fails like one from an unknown id. Unlike the SDK example's `InMemoryEventStore`, it
 * replays the standalone GET stream too.
 *
 * A POST stream's events are kept until its answer, and then only for the session's last
 * `answeredStreamsPerSession` answered streams. The SDK client resumes a POST stream (GET with
 * `Last-Event-ID`, as 2025-11-25 allows) only when it ended without the answer: the connection
 * dropped before it, or the answer was written to a connection that was already dying. The first
 * case is the store's reason to exist; the second can only be told apart by the client, so the
 * last few answers stay, for a client's concurrent calls cut by one dropped connection, and the
 * rest go: a chatty session's delivered answers would otherwise crowd out its GET-stream events.
 */
export class MemoryEventStore implements EventStore {
  private next = 1;
  private readonly events = new Map<number, StoredEvent>();
  /** The answered POST streams whose events are still kept, oldest first. */
  private readonly answered = new Set<StreamId>();
  private bytes = 0;

  constructor(
    private readonly limits: EventLimits,
    private readonly memory: EventMemory,
  ) {}

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const seq = this.next++;
    const json = JSON.stringify(message);
    const event: StoredEvent = { seq, streamId, json, bytes: Buffer.byteLength(json), store: this };
    this.events.set(seq, event);
    this.bytes += event.bytes;
    this.memory.add(event);
    if (isResponse(message)) this.answer(streamId);
    for (const oldest of this.events.values()) {
      if (this.events.size <= this.limits.maxEventsPerSession && this.bytes <= this.limits.maxEventBytesPerSession) break;
      this.drop(oldest);
    }
    return String(seq);
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return this.find(eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: EventId, { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> }): Promise<StreamId> {
    const from = this.find(lastEventId);
    if (!from) throw new Error(`Unknown event id ${lastEventId}`);
    // A snapshot: events stored (or dropped) while this replay awaits a send do not disturb it.
    for (const event of [...this.events.values()]) {
      if (event.seq > from.seq && event.streamId === from.streamId) {
        const message = JSON.parse(event.json) as JSONRPCMessage;
        if (!isPriming(message)) await send(String(event.seq), message);
      }
    }
    return from.streamId;
  }

  /** Forgets one event; `EventMemory` calls it to evict this session's event for the process. */
  drop(event: StoredEvent): void {
    if (!this.events.delete(event.seq)) return;
    this.bytes -= event.bytes;
    this.memory.remove(event);
  }

  clear(): void {
    for (const event of [...this.events.values()]) this.drop(event);
    this.answered.clear();
  }

  /** Only the last few answered POST streams keep their events. Responses never go on the GET stream. */
  private answer(streamId: StreamId): void {
    this.answered.delete(streamId);
    this.answered.add(streamId);
    for (const oldest of this.answered) {
      if (this.answered.size <= this.limits.answeredStreamsPerSession) break;
      this.answered.delete(oldest);
      for (const event of [...this.events.values()]) if (event.streamId === oldest) this.drop(event);
    }
  }

  private find(eventId: EventId) {
    const seq = Number(eventId);
    return Number.isSafeInteger(seq) ? this.events.get(seq) : undefined;
  }
}
