import { randomUUID } from 'node:crypto';

import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { McpServerFactory } from '@modelcontextprotocol/server';
import type { Logger, SessionCounter } from '@mcp-on-aws/shared';
import type { Request, Response } from 'express';

import type { SessionRegistry, Setting } from './dynamo/registry';
import { sessionEventStore, type EventLog } from './event-log';
import { keepEventsWhileDisconnected, replayHandshake } from './rehydrate';
import type { SessionConfig } from './session-config';

/**
 * The state a session keeps outside its transport. With a `registry` (DynamoDB) sessions are
 * durable: any instance can rehydrate one it does not hold, and only DELETE or expiry ends it.
 */
export interface SessionStores {
  events: EventLog;
  counter: SessionCounter & { forget?(sessionId: string): Promise<void> };
  registry?: SessionRegistry;
}

interface LiveSession {
  transport: NodeStreamableHTTPServerTransport;
  lastSeen: number;
  /** Requests and streams in progress: a session with an open GET stream is not idle. */
  open: number;
  /** When the registry's expiry was last moved forward (durable sessions only). */
  touched: number;
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
  /** One rehydration per session at a time on this instance; concurrent requests share it. */
  private readonly adopting = new Map<string, Promise<NodeStreamableHTTPServerTransport | undefined>>();
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
    // The callback outlives the request: capturing `req` itself would keep it (and its response) for the session's life.
    const initialize = req.body;
    const transport = this.transport(id, async () => {
      // Registered before the client learns the id, so any instance can take the session over.
      await this.stores.registry?.create(id, initialize);
      this.keep(id, transport);
    });
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
    const transport = this.live.get(sessionId)?.transport ?? (await this.adopt(sessionId));
    if (!transport) return false;
    await this.handle(sessionId, req, res, transport);
    return true;
  }

  private transport(id: string, onsessioninitialized?: () => Promise<void>): NodeStreamableHTTPServerTransport {
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      eventStore: sessionEventStore(this.stores.events, id),
      keepAliveMs: this.config.keepAliveMs,
      onsessioninitialized,
      // DELETE ends the session everywhere; a local close (idle, shutdown) leaves a durable one to another instance.
      onsessionclosed: () => this.stores.registry?.delete(id),
    });
    transport.onclose = () => void this.forget(id, transport);
    if (this.stores.registry) keepEventsWhileDisconnected(transport, this.stores.events, id);
    return transport;
  }

  private keep(id: string, transport: NodeStreamableHTTPServerTransport): void {
    const now = Date.now();
    this.live.set(id, { transport, lastSeen: now, open: 0, touched: now });
  }

  /**
   * A session this instance does not hold but the registry knows: rebuild it here and take it
   * over with a conditional write. Of two instances racing, exactly one becomes the owner; the
   * other still answers this request on the rebuilt transport, then lets it go.
   */
  private async adopt(id: string): Promise<NodeStreamableHTTPServerTransport | undefined> {
    const registry = this.stores.registry;
    if (!registry || this.full) return undefined;
    let pending = this.adopting.get(id);
    if (!pending) {
      pending = (async () => {
        const stored = await registry.load(id);
        if (!stored) return undefined;
        const transport = this.transport(id);
        const server = await this.factory({ era: 'legacy' });
        await server.connect(transport);
        await replayHandshake(transport, stored);
        if (await registry.takeOwnership(stored)) {
          this.keep(id, transport);
          this.log({ msg: 'session rehydrated', session: id, from: stored.owner });
        } else {
          this.log({ msg: 'session taken over by another instance first; serving once', session: id });
        }
        return transport;
      })().finally(() => this.adopting.delete(id));
      this.adopting.set(id, pending);
    }
    return pending;
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
    const held = this.live.get(id)?.transport === transport;
    // A transport rebuilt by an instance that lost the ownership race serves this one request.
    res.once('close', () => (held ? touch(-1) : void transport.close()));
    const registry = this.stores.registry;
    if (registry) {
      const setting = settingOf(req.body);
      if (setting) await registry.save(id, setting);
      else this.refreshExpiry(id, registry);
    }
    await transport.handleRequest(req, res, req.body);
  }

  /** At most one write per tenth of the idle timeout per session: a chatty session costs no write per request. */
  private refreshExpiry(id: string, registry: SessionRegistry): void {
    const s = this.live.get(id);
    if (!s || s.lastSeen - s.touched < this.config.idleTimeoutMs / 10) return;
    s.touched = s.lastSeen;
    registry.touch(id).catch((error: Error) => this.log({ msg: 'cannot refresh session expiry', level: 'warn', session: id, error: error.message }));
  }

  private async forget(id: string, transport: NodeStreamableHTTPServerTransport): Promise<void> {
    const held = this.live.get(id)?.transport === transport;
    if (held) this.live.delete(id);
    // Durable: drop only this instance's share (POST-stream events, the sequence cache); DELETE removed the rest.
    if (this.stores.registry) return void (this.live.has(id) ? undefined : await this.stores.events.forget(id));
    if (held) await Promise.all([this.stores.events.forget(id), this.stores.counter.forget?.(id)]);
  }
}

/** The requests whose effect the transport keeps only in memory: persisted so rehydration re-applies them. */
function settingOf(body: unknown): Setting | undefined {
  const { method, params } = (body ?? {}) as { method?: unknown; params?: { level?: unknown; uri?: unknown } };
  if (method === 'logging/setLevel' && typeof params?.level === 'string') return { logLevel: params.level };
  if (method === 'resources/subscribe' && typeof params?.uri === 'string') return { subscribe: params.uri };
  if (method === 'resources/unsubscribe' && typeof params?.uri === 'string') return { unsubscribe: params.uri };
  return undefined;
}
