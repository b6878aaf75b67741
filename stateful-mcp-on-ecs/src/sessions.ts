import { randomUUID } from 'node:crypto';

import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { McpServerFactory } from '@modelcontextprotocol/server';
import type { Logger, SessionCounter } from '@mcp-on-aws/shared';
import type { Request, Response } from 'express';

import { sessionEventStore, type EventLog } from './event-log';
import type { SessionConfig } from './session-config';

/** The state a session keeps outside its transport; in memory now, DynamoDB-ready by interface. */
export interface SessionStores {
  events: EventLog;
  counter: SessionCounter & { forget(sessionId: string): Promise<void> };
}

interface LiveSession {
  transport: NodeStreamableHTTPServerTransport;
  lastSeen: number;
  /** Requests and streams in progress: a session with an open GET stream is not idle. */
  open: number;
}

/**
 * The live 2025-era sessions of this instance: one transport and one server each. It caps their
 * number, closes the idle ones, and closes them all on shutdown. The ids are crypto-random UUIDs,
 * so knowing one id tells nothing about another.
 */
export class Sessions {
  private readonly live = new Map<string, LiveSession>();
  /** Initializes in progress count against the cap too, so a burst cannot overshoot it. */
  private starting = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly config: SessionConfig,
    private readonly stores: SessionStores,
    private readonly factory: McpServerFactory,
    private readonly log: Logger,
  ) {
    this.sweeper = setInterval(() => this.closeIdle(), Math.min(config.idleTimeoutMs / 2, 30_000)).unref();
  }

  get size(): number {
    return this.live.size;
  }

  get full(): boolean {
    return this.live.size + this.starting >= this.config.maxSessions;
  }

  has(sessionId: string): boolean {
    return this.live.has(sessionId);
  }

  /** Opens a session for an `initialize` request and answers it. */
  async start(req: Request, res: Response): Promise<void> {
    const id = randomUUID();
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      eventStore: sessionEventStore(this.stores.events, id),
      keepAliveMs: this.config.keepAliveMs,
      onsessioninitialized: () => void this.live.set(id, { transport, lastSeen: Date.now(), open: 0 }),
    });
    transport.onclose = () => void this.forget(id);
    this.starting++;
    try {
      const server = await this.factory({ era: 'legacy' });
      await server.connect(transport);
      // Not counted as open: the session only joins `live` while this request runs.
      await transport.handleRequest(req, res, req.body);
    } finally {
      this.starting--;
    }
  }

  /** Hands a request to its session; `false` when this instance does not hold that session. */
  async route(sessionId: string, req: Request, res: Response): Promise<boolean> {
    const session = this.live.get(sessionId);
    if (!session) return false;
    await this.handle(sessionId, req, res, session.transport);
    return true;
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.live.values()].map((s) => s.transport.close()));
  }

  private closeIdle(now = Date.now()): number {
    let closed = 0;
    for (const [id, s] of this.live) {
      if (s.open === 0 && now - s.lastSeen >= this.config.idleTimeoutMs) {
        closed++;
        this.log({ msg: 'session idle, closing', session: id });
        void s.transport.close();
      }
    }
    return closed;
  }

  private async handle(id: string, req: Request, res: Response, transport: NodeStreamableHTTPServerTransport): Promise<void> {
    const touch = (delta: number) => {
      const s = this.live.get(id);
      if (s) {
        s.open += delta;
        s.lastSeen = Date.now();
      }
    };
    touch(+1);
    res.once('close', () => touch(-1));
    await transport.handleRequest(req, res, req.body);
  }

  private async forget(id: string): Promise<void> {
    if (!this.live.delete(id)) return;
    await Promise.all([this.stores.events.forget(id), this.stores.counter.forget(id)]);
  }
}
