import { randomUUID } from 'node:crypto';

import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { McpServerFactory } from '@modelcontextprotocol/server';
import { JsonRpcCode, sendJsonRpcError, type Logger, type SessionCounter } from '@mcp-on-aws/shared';
import type { Request, Response } from 'express';

import type { DurableSessions, Setting } from './dynamo/durable-sessions';
import { sessionEventStore, type EventLog } from './event-log';
import { persistBeforeSending, replayHandshake } from './rehydrate';
import type { SessionConfig } from './session-config';

/**
 * The state a session keeps outside its transport. With a `registry` (DynamoDB) sessions are
 * durable: any instance can rehydrate one it does not hold, and only DELETE or expiry ends it.
 */
export interface SessionStores {
  events: EventLog;
  counter: SessionCounter & { forget?(sessionId: string): Promise<void> };
  registry?: DurableSessions;
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
  private readonly adopting = new Map<string, Promise<NodeStreamableHTTPServerTransport | 'busy' | 'full' | undefined>>();
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
    if (transport === 'busy' || transport === 'full') {
      // Nothing happened here, so the request is safe to repeat; the cookie client retries a 503 by itself.
      const why = transport === 'full' ? `This instance holds its maximum of ${this.config.maxSessions} sessions` : 'This session is held by another instance, which used it moments ago';
      sendJsonRpcError(res, 503, JsonRpcCode.ServerError, `${why}; retry shortly`, { 'retry-after': '1' });
      return true;
    }
    await this.handle(sessionId, req, res, transport);
    return true;
  }

  private transport(id: string, onsessioninitialized?: () => Promise<void>): NodeStreamableHTTPServerTransport {
    const eventStore = sessionEventStore(this.stores.events, id);
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      eventStore,
      keepAliveMs: this.config.keepAliveMs,
      onsessioninitialized,
      // DELETE ends the session everywhere; a local close (idle, shutdown) leaves a durable one to another instance.
      onsessionclosed: () => this.stores.registry?.delete(id),
    });
    transport.onclose = () => void this.forget(id, transport);
    if (this.stores.registry) persistBeforeSending(transport, eventStore, this.stores.registry, this.stores.events, id, (error) => this.lose(id, transport, error));
    return transport;
  }

  private keep(id: string, transport: NodeStreamableHTTPServerTransport): void {
    const now = Date.now();
    this.live.set(id, { transport, lastSeen: now, open: 0, touched: now });
  }

  /**
   * A session this instance does not hold but the registry knows: take it over with a conditional
   * write on its epoch, then rebuild it here. Of two instances racing, exactly one becomes the
   * owner; the other, like any instance that finds the owner busy with the session, answers 503
   * without touching it ('busy').
   */
  private async adopt(id: string): Promise<NodeStreamableHTTPServerTransport | 'busy' | 'full' | undefined> {
    const registry = this.stores.registry;
    if (!registry) return undefined;
    if (this.full) return 'full';
    let pending = this.adopting.get(id);
    if (!pending) {
      pending = (async () => {
        const stored = await registry.load(id);
        if (!stored) return undefined;
        if (!(await registry.takeOver(stored))) {
          this.log({ msg: 'session held by another instance; not taking it over', session: id, owner: stored.owner });
          return 'busy' as const;
        }
        const transport = this.transport(id);
        try {
          const server = await this.factory({ era: 'legacy' });
          await server.connect(transport);
          await replayHandshake(transport, stored);
        } catch (error) {
          registry.release(id);
          void transport.close();
          throw error;
        }
        this.keep(id, transport);
        this.log({ msg: 'session rehydrated', session: id, from: stored.owner });
        return transport;
      })().finally(() => this.adopting.delete(id));
      this.adopting.set(id, pending);
    }
    return pending;
  }

  /** This instance's copy of a durable session is stale (another instance took it over) or cannot be stored: drop it. */
  private lose(id: string, transport: NodeStreamableHTTPServerTransport, error: Error): void {
    this.log({ msg: 'session lost here; closing its transport', level: 'warn', session: id, error: error.message });
    void transport.close();
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
    const registry = this.stores.registry;
    if (registry) {
      const setting = settingOf(req.body);
      if (setting) registry.apply(id, setting);
      else this.refreshExpiry(id, registry, transport);
      if (req.method === 'GET') this.watchOwnership(id, registry, transport, res);
    }
    await transport.handleRequest(req, res, req.body);
  }

  /** At most one write per tenth of the idle timeout per session: a chatty session costs no write per request. */
  private refreshExpiry(id: string, registry: DurableSessions, transport: NodeStreamableHTTPServerTransport): void {
    const s = this.live.get(id);
    if (!s || s.lastSeen - s.touched < this.config.idleTimeoutMs / 10) return;
    s.touched = s.lastSeen;
    registry.touch(id).catch((error: Error) => this.lose(id, transport, error));
  }

  /**
   * A GET stream only delivers what this instance emits, so one left open here after another
   * instance took the session over would go silent. Each keep-alive interval it checks the epoch
   * (one eventually consistent read) and, once it moved, ends the stream: the client reconnects
   * with `Last-Event-ID` to wherever its cookie now points, and the table replays what it missed.
   * While it holds the session, an open stream keeps it alive in the registry as a request would.
   */
  private watchOwnership(id: string, registry: DurableSessions, transport: NodeStreamableHTTPServerTransport, res: Response): void {
    const timer = setInterval(() => {
      registry.stillOwned(id).then(
        (owned) => {
          if (!owned) return this.lose(id, transport, new Error('another instance took the session over'));
          const s = this.live.get(id);
          if (s) s.lastSeen = Date.now();
          this.refreshExpiry(id, registry, transport);
        },
        (error: Error) => this.log({ msg: 'cannot check session ownership', level: 'warn', session: id, error: error.message }),
      );
    }, this.config.keepAliveMs).unref();
    res.once('close', () => clearInterval(timer));
  }

  private async forget(id: string, transport: NodeStreamableHTTPServerTransport): Promise<void> {
    const held = this.live.get(id)?.transport === transport;
    if (held) this.live.delete(id);
    // Durable: drop only this instance's copy (state, POST-stream events); the table keeps the session, unless DELETE removed it.
    if (this.stores.registry) {
      if (held) this.stores.registry.release(id);
      return void (this.live.has(id) ? undefined : await this.stores.events.forget(id));
    }
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
