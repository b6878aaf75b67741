/**
 * The events of each session's GET stream, stored on the session's item (`registry.ts`), so a
 * client whose task died resumes its stream with `Last-Event-ID` on another task. Ids are
 * per-session sequence numbers, so replay follows the original order. An append is the owner's
 * next write (`durable-sessions.ts`), which also carries the state the event announces.
 *
 * POST-stream events (priming events and responses) stay in this process's memory: they belong
 * to a request in flight here, which dies with the task anyway, and persisting them would cost
 * two writes on every `tools/call`.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/server';

import type { EventLog } from '../event-log';
import { MemoryEventLog } from '../memory-stores';
import type { DurableSessions } from './durable-sessions';

/** The SDK's fixed stream id for a session's standalone GET stream. */
export const GET_STREAM = '_GET_stream';
const MEMORY_PREFIX = 'm';

export class DynamoEventLog implements EventLog {
  constructor(private readonly sessions: DurableSessions) {}

  async append(sessionId: string, _streamId: string, message: JSONRPCMessage): Promise<string> {
    return String(await this.sessions.append(sessionId, message));
  }

  async streamOf(sessionId: string, eventId: string): Promise<string | undefined> {
    const seq = parseSeq(eventId);
    if (seq === undefined) return undefined;
    const stored = await this.sessions.load(sessionId);
    return stored?.events.some((e) => e.seq === seq) ? GET_STREAM : undefined;
  }

  async after(sessionId: string, eventId: string): Promise<{ streamId: string; events: Array<{ id: string; message: JSONRPCMessage }> } | undefined> {
    const seq = parseSeq(eventId);
    if (seq === undefined) return undefined;
    const stored = await this.sessions.load(sessionId);
    if (!stored?.events.some((e) => e.seq === seq)) return undefined;
    return { streamId: GET_STREAM, events: stored.events.filter((e) => e.seq > seq).map((e) => ({ id: String(e.seq), message: e.message })) };
  }

  /** Nothing local: the events go with the session's item (DELETE or TTL). */
  async forget(): Promise<void> {}
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
    after: async (sessionId, eventId) => {
      if (!local(eventId)) return durable.after(sessionId, eventId);
      const replay = await memory.after(sessionId, eventId.slice(1));
      return replay && { ...replay, events: replay.events.map((e) => ({ ...e, id: MEMORY_PREFIX + e.id })) };
    },
    forget: async (sessionId) => void (await Promise.all([durable.forget(sessionId), memory.forget(sessionId)])),
  };
}
