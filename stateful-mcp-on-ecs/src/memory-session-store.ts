import type { EventStore } from '@modelcontextprotocol/server';
import { MemoryCounter } from '@mcp-on-aws/shared';

import { MemoryEventStore } from './memory-event-store';
import type { SessionStore } from './session-store';

/**
 * Plain sticky sessions: everything in this process, lost with it, which is what the balancer's
 * stickiness protects against. A session's events live on its transport's own event store and go
 * with it; only the counter is kept here, and forgotten when the session closes.
 */
export class MemorySessionStore implements SessionStore {
  readonly counter = new MemoryCounter();

  constructor(private readonly maxEventsPerSession = 100) {}

  eventStore(_sessionId: string): EventStore {
    return new MemoryEventStore(this.maxEventsPerSession);
  }

  async create(): Promise<void> {}

  /** Nothing to adopt: a session this instance does not hold is gone (`404`). */
  async adopt(): Promise<undefined> {
    return undefined;
  }

  touch(): void {}

  forget(sessionId: string): Promise<void> {
    return this.counter.forget(sessionId);
  }
}
