import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import type { SessionCounter } from '@mcp-on-aws/shared';

import type { EventLog } from './event-log';

interface StoredEvent {
  seq: number;
  streamId: string;
  message: JSONRPCMessage;
}

/**
 * Per-session state held in this process: lost with the task, which is what stickiness
 * protects against and what durable sessions will fix. Each session keeps at most
 * `maxEventsPerSession` events, so memory stays bounded however long a session lives.
 */
export class MemoryEventLog implements EventLog {
  private readonly sessions = new Map<string, { next: number; events: StoredEvent[] }>();

  constructor(private readonly maxEventsPerSession = 100) {}

  async append(sessionId: string, streamId: string, message: JSONRPCMessage): Promise<string> {
    let log = this.sessions.get(sessionId);
    if (!log) this.sessions.set(sessionId, (log = { next: 1, events: [] }));
    const seq = log.next++;
    log.events.push({ seq, streamId, message });
    if (log.events.length > this.maxEventsPerSession) log.events.shift();
    return String(seq);
  }

  async streamOf(sessionId: string, eventId: string): Promise<string | undefined> {
    return this.find(sessionId, eventId)?.streamId;
  }

  async after(sessionId: string, eventId: string): Promise<{ streamId: string; events: Array<{ id: string; message: JSONRPCMessage }> } | undefined> {
    const from = this.find(sessionId, eventId);
    if (!from) return undefined;
    const events = (this.sessions.get(sessionId)?.events ?? [])
      .filter((e) => e.seq > from.seq && e.streamId === from.streamId)
      .map((e) => ({ id: String(e.seq), message: e.message }));
    return { streamId: from.streamId, events };
  }

  async forget(sessionId: string): Promise<void> {
    this.sessions.delete(sessionId);
  }

  private find(sessionId: string, eventId: string): StoredEvent | undefined {
    const seq = Number(eventId);
    if (!Number.isSafeInteger(seq)) return undefined;
    return this.sessions.get(sessionId)?.events.find((e) => e.seq === seq);
  }
}

/** The session counter the shared factory exposes, kept in this process. */
export class MemoryCounter implements SessionCounter {
  private readonly values = new Map<string, number>();

  async increment(sessionId: string): Promise<number> {
    const value = (this.values.get(sessionId) ?? 0) + 1;
    this.values.set(sessionId, value);
    return value;
  }

  async read(sessionId: string): Promise<number> {
    return this.values.get(sessionId) ?? 0;
  }

  async forget(sessionId: string): Promise<void> {
    this.values.delete(sessionId);
  }
}
