import type { EventStore } from '@modelcontextprotocol/server';
import { MemoryCounter } from '@mcp-on-aws/shared';

import { EventMemory, type EventLimits } from './memory-event-store';
import type { SessionStore } from './session-store';

/**
 * Plain sticky sessions: everything in this process, lost with it, which is what the balancer's
 * stickiness protects against. A session's events live in its transport's event store, within
 * the process's event memory (`EventMemory`), and go when the session closes; so does its counter.
 */
export class MemorySessionStore implements SessionStore {
  readonly counter = new MemoryCounter();
  readonly eventMemory: EventMemory;

  constructor(limits: EventLimits) {
    this.eventMemory = new EventMemory(limits);
  }

  eventStore(sessionId: string): EventStore {
    return this.eventMemory.storeFor(sessionId);
  }

  async create(): Promise<void> {}

  /** Nothing to adopt: a session this instance does not hold is gone (`404`). */
  async adopt(): Promise<undefined> {
    return undefined;
  }

  touch(): void {}

  forget(sessionId: string): Promise<void> {
    this.eventMemory.release(sessionId);
    return this.counter.forget(sessionId);
  }
}
