/**
 * One durable session's `EventStore`. Its GET-stream events live on the session's item
 * (`registry.ts`), so a client whose task died resumes its stream with `Last-Event-ID` on another
 * task; their ids are the session's sequence numbers, so replay follows the original order. Storing
 * one is the owner's next write (`owned-sessions.ts`), which also carries the state the event
 * announces: one write, and the event is stored before it is sent.
 *
 * POST-stream events (priming events and responses) stay in this process's memory, ids prefixed
 * `m`, with the bounds of the in-memory store (`MemoryEventStore`: bytes per session and per
 * process, and only the last few answered POST streams): they belong to a request in flight here,
 * which dies with the task anyway, and storing them would cost a write on every `tools/call`.
 */
import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';

import { isPriming, type MemoryEventStore } from '../memory-event-store';
import type { OwnedSessions } from './owned-sessions';
import { afterReplayAttached, GET_STREAM } from './sdk-internals';

const MEMORY_PREFIX = 'm';

type Send = (eventId: EventId, message: JSONRPCMessage) => Promise<void>;

/**
 * The replays running on this instance, by session, each until the SDK has attached the replayed
 * stream. A notification raised meanwhile waits for it, so none falls between the replay and the
 * live stream.
 */
export class Replays {
  private readonly running = new Map<string, Promise<void>>();

  track(sessionId: string, replay: Promise<unknown>): void {
    const attached = afterReplayAttached(replay);
    this.running.set(sessionId, attached);
    void attached.then(() => this.running.get(sessionId) === attached && this.running.delete(sessionId));
  }

  /** Resolves once no replay of the session runs, including one that starts while this waits. */
  async settled(sessionId: string): Promise<void> {
    for (let running = this.running.get(sessionId); running; running = this.running.get(sessionId)) await running;
  }
}

export class DurableEventStore implements EventStore {
  constructor(
    private readonly sessionId: string,
    private readonly sessions: OwnedSessions,
    private readonly replays: Replays,
    /** The session's POST-stream events, in this process's `EventMemory`. */
    private readonly posts: MemoryEventStore,
  ) {}

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    if (streamId === GET_STREAM) return String(await this.sessions.append(this.sessionId, message));
    return MEMORY_PREFIX + (await this.posts.storeEvent(streamId, message));
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    if (eventId.startsWith(MEMORY_PREFIX)) return this.posts.getStreamIdForEventId(eventId.slice(1));
    const seq = parseSeq(eventId);
    if (seq === undefined) return undefined;
    const stored = await this.sessions.load(this.sessionId);
    return stored?.events.some((e) => e.seq === seq) ? GET_STREAM : undefined;
  }

  /** First waits for the events already on their way to the table, so the replay has them all. */
  replayEventsAfter(lastEventId: EventId, { send }: { send: Send }): Promise<StreamId> {
    const run = this.sessions.flush(this.sessionId).then(() => this.replayStored(lastEventId, send));
    this.replays.track(this.sessionId, run);
    return run;
  }

  private async replayStored(lastEventId: EventId, send: Send): Promise<StreamId> {
    if (lastEventId.startsWith(MEMORY_PREFIX)) return this.posts.replayEventsAfter(lastEventId.slice(1), { send: (id, message) => send(MEMORY_PREFIX + id, message) });
    const seq = parseSeq(lastEventId);
    const stored = seq === undefined ? undefined : await this.sessions.load(this.sessionId);
    if (!stored?.events.some((e) => e.seq === seq)) throw new Error(`Unknown event id ${lastEventId}`);
    for (const event of stored.events) {
      if (event.seq > seq! && !isPriming(event.message)) await send(String(event.seq), event.message);
    }
    return GET_STREAM;
  }
}

function parseSeq(eventId: string): number | undefined {
  if (!/^\d{1,12}$/.test(eventId)) return undefined;
  return Number(eventId);
}

/** Whether an event id is one of the session's GET-stream events (a sequence number), not a POST-stream one. */
export const isGetStreamEventId = (eventId: string): boolean => parseSeq(eventId) !== undefined;
