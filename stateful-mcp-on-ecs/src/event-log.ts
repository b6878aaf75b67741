import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';

/**
 * Where a session's SSE events live, so a client can resume a stream with `Last-Event-ID`.
 * Every call names the session: ids and streams are namespaced per session, because every
 * session's standalone GET stream has the same stream id (`_GET_stream`). The in-memory log
 * is one implementation; a DynamoDB one (partition = session, sort = event) fits the same shape.
 */
export interface EventLog {
  /** Appends a message and returns its event id, unique within the session. */
  append(sessionId: string, streamId: string, message: JSONRPCMessage): Promise<string>;
  /** The stream an event belongs to, or `undefined` when the id is unknown or already evicted. */
  streamOf(sessionId: string, eventId: string): Promise<string | undefined>;
  /** That event's stream and the events of it that came after the event, oldest first; `undefined` like `streamOf`. One read for a replay. */
  after(sessionId: string, eventId: string): Promise<{ streamId: string; events: Array<{ id: string; message: JSONRPCMessage }> } | undefined>;
  /** Drops everything the session stored (it was closed or expired). */
  forget(sessionId: string): Promise<void>;
}

/** The SDK's `EventStore` for one session, backed by a shared `EventLog`. */
export function sessionEventStore(log: EventLog, sessionId: string): EventStore {
  return {
    storeEvent: (streamId, message) => log.append(sessionId, streamId, message),
    getStreamIdForEventId: (eventId) => log.streamOf(sessionId, eventId),
    async replayEventsAfter(lastEventId, { send }) {
      const replay = await log.after(sessionId, lastEventId);
      if (!replay) throw new Error(`Unknown event id ${lastEventId}`);
      for (const event of replay.events) {
        // Priming events (`{}`) only carry an id for the client to resume from; never resend them.
        if ('method' in event.message || 'id' in event.message) await send(event.id, event.message);
      }
      return replay.streamId;
    },
  };
}
