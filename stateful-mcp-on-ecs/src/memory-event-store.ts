import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';

/** Priming events (`{}`) only carry an id for the client to resume from; a replay never resends them. */
export const isPriming = (message: JSONRPCMessage): boolean => !('method' in message) && !('id' in message);

/**
 * One session's SSE events in this process, so a client can resume a stream with `Last-Event-ID`.
 * It keeps the last `maxEvents` of them, so memory stays bounded however long the session lives.
 * Unlike the SDK example's `InMemoryEventStore`, it replays the standalone GET stream too.
 */
export class MemoryEventStore implements EventStore {
  private next = 1;
  private readonly events: Array<{ seq: number; streamId: StreamId; message: JSONRPCMessage }> = [];

  constructor(private readonly maxEvents = 100) {}

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const seq = this.next++;
    this.events.push({ seq, streamId, message });
    if (this.events.length > this.maxEvents) this.events.shift();
    return String(seq);
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return this.find(eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: EventId, { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> }): Promise<StreamId> {
    const from = this.find(lastEventId);
    if (!from) throw new Error(`Unknown event id ${lastEventId}`);
    for (const event of this.events) {
      if (event.seq > from.seq && event.streamId === from.streamId && !isPriming(event.message)) await send(String(event.seq), event.message);
    }
    return from.streamId;
  }

  private find(eventId: EventId) {
    const seq = Number(eventId);
    return Number.isSafeInteger(seq) ? this.events.find((e) => e.seq === seq) : undefined;
  }
}
