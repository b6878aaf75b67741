import { randomUUID } from 'node:crypto';

import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { ProtocolErrorCode, type AuthInfo, type McpServerFactory } from '@modelcontextprotocol/server';
import { JsonRpcCode, principalDigest, sendJsonRpcError, sessionTag, type Logger, type MetricSink } from '@mcp-on-aws/shared';
import type { Request, Response } from 'express';

import { idleSweepMs, type SessionConfig } from './session-config';
import { checkInitialize } from './session-initialize';
import type { SessionStore } from './session-store';

interface LiveSession {
  transport: NodeStreamableHTTPServerTransport;
  /** `principalDigest` of whoever initialized it; `undefined` with authentication off. */
  principal?: string;
  lastSeen: number;
  /** Requests and streams in progress: a session with an open GET stream is not idle. */
  open: number;
  /** Until the client's first request after `initialize`: closes the session if none comes. */
  handshake?: NodeJS.Timeout;
}

/** How long a client should wait after a store failure: the SDK's own attempts are already spent. */
const STORE_RETRY_AFTER_SECONDS = '2';

/** The shape of `randomUUID()`, lowercase, as it was issued. */
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The live 2025-era sessions of this instance: one transport and one server each, as in the SDK's
 * sessionful examples. It caps their number, closes the idle ones and those whose handshake never
 * finished, and closes them all on shutdown. The ids are crypto-random UUIDs, so knowing one id
 * tells nothing about another. A session belongs to the principal that initialized it: a request
 * from anyone else gets the 404 of an unknown session, so knowing an id is not enough either. What a
 * session keeps besides its transport lives in a `SessionStore`.
 */
export class Sessions {
  private readonly live = new Map<string, LiveSession>();
  /** Initializes in progress count against the cap too, so a burst cannot overshoot it. */
  private starting = 0;
  private readonly sweeper: NodeJS.Timeout;
  /** The store's `forget` of each session closed here, still running: shutdown waits for them (they hand the sessions over). */
  private readonly forgetting = new Set<Promise<void>>();

  constructor(
    private readonly config: SessionConfig,
    private readonly store: SessionStore,
    private readonly factory: McpServerFactory,
    private readonly log: Logger,
    /** Counts `SessionsCreated`. */
    private readonly metrics?: MetricSink,
  ) {
    this.sweeper = setInterval(() => this.closeIdle(), idleSweepMs(config)).unref();
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

  /**
   * Ours are `randomUUID()`s: anything else (8,000 characters, another format) cannot name a session,
   * so it is answered 404 without a store read, which with DynamoDB would fail on the key instead.
   */
  static couldBeOurs(sessionId: string): boolean {
    return SESSION_ID.test(sessionId);
  }

  /** Opens a session for an `initialize` request and answers it; one past the bounds of `session-initialize.ts` gets 400. */
  async start(req: Request, res: Response): Promise<void> {
    const initialize = checkInitialize(req.body);
    if (!initialize.ok) return sendJsonRpcError(res, 400, ProtocolErrorCode.InvalidParams, initialize.message);
    const id = randomUUID();
    const principal = principalOfRequest(req);
    this.starting++;
    try {
      const transport = await this.open(id, () => this.keep(id, transport, { principal, awaitingHandshake: true }));
      // Stored before the transport runs: a store failure thrown inside it would come out as `400 Parse error`.
      try {
        await this.store.create(id, initialize.kept, transport, principal);
      } catch (error) {
        void transport.close();
        return this.unavailable(res, 'cannot store a new session', error, id);
      }
      // Not counted as open: the session only joins `live` while this request runs.
      await transport.handleRequest(req, res, req.body);
      // The transport refused the initialize (a bad header, say): the stored session has no client.
      if (!this.live.has(id)) {
        void transport.close();
        await this.store.forget(id, 'deleted').catch(() => {});
      }
    } finally {
      this.starting--;
    }
  }

  /** Hands a request to its session; `false` when neither this instance nor the store knows it for the request's principal. */
  async route(sessionId: string, req: Request, res: Response): Promise<boolean> {
    const origin = this.store.inbound?.(req, sessionId) ?? 'client';
    if (typeof origin === 'object') {
      sendJsonRpcError(res, origin.status, origin.code, origin.message, origin.headers);
      return true;
    }
    const principal = principalOfRequest(req);
    const held = this.live.get(sessionId);
    if (held && held.principal !== principal) return false;
    let transport: NodeStreamableHTTPServerTransport | 'busy' | 'full' | 'answered' | undefined;
    try {
      transport = held?.transport ?? (await this.adopt(sessionId, principal, req, res, origin === 'forwarded'));
    } catch (error) {
      this.unavailable(res, 'cannot read a session from the store', error, sessionId);
      return true;
    }
    if (!transport) return false;
    if (transport === 'answered') return true;
    if (transport === 'busy' || transport === 'full') {
      // Nothing happened here, so the request is safe to repeat; the cookie client retries a 503 by itself.
      const why = transport === 'full' ? `This instance holds its maximum of ${this.config.maxSessions} sessions` : 'This session is held by another instance, which used it moments ago';
      sendJsonRpcError(res, 503, JsonRpcCode.ServerError, `${why}; retry shortly`, { 'retry-after': '1' });
      return true;
    }
    const s = this.live.get(sessionId);
    if (s) {
      clearTimeout(s.handshake);
      s.handshake = undefined;
      s.open++;
      s.lastSeen = Date.now();
      res.once('close', () => {
        s.open--;
        s.lastSeen = Date.now();
      });
    }
    this.store.touch(sessionId, req, res);
    await transport.handleRequest(req, res, req.body);
    return true;
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.live.values()].map((s) => s.transport.close()));
    await Promise.all(this.forgetting);
  }

  /** The store failed: the client learns only that it may retry; the log keeps the cause. */
  private unavailable(res: Response, msg: string, error: unknown, id: string): void {
    this.log({ msg, level: 'warn', session: sessionTag(id), error: (error as Error)?.message });
    sendJsonRpcError(res, 503, JsonRpcCode.ServerError, 'Session storage is unavailable; retry shortly', { 'retry-after': STORE_RETRY_AFTER_SECONDS });
  }

  /** A fresh transport for the session, connected to a fresh server from the factory. */
  private async open(id: string, onsessioninitialized?: () => void): Promise<NodeStreamableHTTPServerTransport> {
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      eventStore: this.store.eventStore(id),
      keepAliveMs: this.config.keepAliveMs,
      onsessioninitialized,
      onsessionclosed: () => this.store.forget(id, 'deleted'),
    });
    transport.onclose = () => {
      const s = this.live.get(id);
      if (s?.transport !== transport) return;
      clearTimeout(s.handshake);
      this.live.delete(id);
      const forgotten = this.store.forget(id, 'closed').catch((error: Error) => this.log({ msg: 'cannot release a session in the store', level: 'warn', session: sessionTag(id), error: error.message }));
      this.forgetting.add(forgotten);
      void forgotten.finally(() => this.forgetting.delete(forgotten));
    };
    const server = await this.factory({ era: 'legacy' });
    await server.connect(transport);
    return transport;
  }

  /** A session this instance does not hold: the store may rebuild it here, for the principal it belongs to, or answer the request itself. */
  private async adopt(id: string, principal: string | undefined, req: Request, res: Response, forwarded: boolean): Promise<NodeStreamableHTTPServerTransport | 'busy' | 'full' | 'answered' | undefined> {
    const adopted = await this.store.adopt(id, { full: this.full, principal, open: () => this.open(id), req, res, forwarded });
    // Concurrent requests of one principal share one adoption; the first to resume keeps the transport.
    if (typeof adopted === 'object' && !this.live.has(id)) this.keep(id, adopted, { principal });
    return adopted;
  }

  private keep(id: string, transport: NodeStreamableHTTPServerTransport, { principal, awaitingHandshake = false }: { principal: string | undefined; awaitingHandshake?: boolean }): void {
    this.live.set(id, { transport, principal, lastSeen: Date.now(), open: 0, handshake: awaitingHandshake ? this.awaitHandshake(id) : undefined });
    if (awaitingHandshake) this.metrics?.count('SessionsCreated');
  }

  /**
   * A client that sends nothing after `initialize` (not even `notifications/initialized`) never
   * started the session: it would hold a slot for the whole idle timeout. It is closed after the
   * handshake timeout instead, and forgotten as if deleted, so no instance adopts it later.
   */
  private awaitHandshake(id: string): NodeJS.Timeout {
    return setTimeout(() => {
      const s = this.live.get(id);
      if (!s) return;
      this.log({ msg: 'session handshake unfinished, closing', session: sessionTag(id) });
      this.live.delete(id);
      void s.transport.close();
      void this.store.forget(id, 'deleted').catch(() => {});
    }, this.config.handshakeTimeoutMs).unref();
  }

  private closeIdle(now = Date.now()): void {
    for (const [id, s] of this.live) {
      if (s.open === 0 && now - s.lastSeen >= this.config.idleTimeoutMs) {
        this.log({ msg: 'session idle, closing', session: sessionTag(id) });
        void s.transport.close();
      }
    }
  }
}

/** The request's principal as a session records it; `req.auth` is set by the shared auth middleware (`createMcpApp`). */
function principalOfRequest(req: Request): string | undefined {
  return principalDigest((req as Request & { auth?: AuthInfo }).auth);
}
