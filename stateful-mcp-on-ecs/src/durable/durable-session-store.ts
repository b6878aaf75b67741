/**
 * Durable sessions: a `SessionStore` that keeps every session in one DynamoDB table, so any
 * instance can adopt a session it never saw and only DELETE or expiry ends one. The owner of a
 * session holds its epoch; every write is conditional on it (fencing), and nothing leaves the
 * owner before what it depends on is stored. The trade-off: one `UpdateItem` per request that
 * changes something, and a first request after a failover that waits for the takeover.
 */
import type { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';
import { jsonLogger, JsonRpcCode, sessionTag, type Instance, type Logger } from '@mcp-on-aws/shared';
import type { Request, Response } from 'express';

import { EventMemory } from '../memory-event-store';
import { idleSweepMs, type SessionConfig } from '../session-config';
import type { Declined, SessionStore } from '../session-store';
import { DurableEventStore, Replays } from './event-store';
import { OwnedSessions, type Setting } from './owned-sessions';
import { replayHandshake } from './rehydrate';
import { SessionMovedError, SessionRegistry } from './registry';
import { getStreamOpen, interceptSend } from './sdk-internals';
import { createLocalTable, sessionTable, type SessionTable } from './table';

type Transport = NodeStreamableHTTPServerTransport;

/**
 * How a session's stored expiry keeps up with the task that holds it. The task counts the idle
 * timeout from the end of the session's last request and closes it at its next idle sweep; the
 * stored expiry moves only on a write, at most once every `refreshMs`. So the table keeps a
 * session for `storedMs` after its last write, the idle timeout plus both lags, and never expires
 * one a task still holds: a request the task accepts finds its session in the table.
 */
export function durableLifetime(config: Pick<SessionConfig, 'idleTimeoutMs'>): { refreshMs: number; storedMs: number } {
  const refreshMs = config.idleTimeoutMs / 10;
  return { refreshMs, storedMs: config.idleTimeoutMs + refreshMs + idleSweepMs(config) };
}

export class DurableSessionStore implements SessionStore {
  private readonly owned: OwnedSessions;
  readonly counter: OwnedSessions;
  /** The transport serving each session this instance holds, to close when the session is lost here. */
  private readonly transports = new Map<string, Transport>();
  /** One adoption per session at a time on this instance; concurrent requests share it. */
  private readonly adopting = new Map<string, Promise<Transport | Declined | undefined>>();
  private readonly replays = new Replays();
  private readonly refreshMs: number;
  /** The POST-stream events of every session held here, bounded per session and for the process. */
  readonly eventMemory: EventMemory;

  constructor(
    table: SessionTable,
    private readonly config: SessionConfig,
    instance: Pick<Instance, 'id'>,
    private readonly log: Logger = jsonLogger,
  ) {
    const { refreshMs, storedMs } = durableLifetime(config);
    this.refreshMs = refreshMs;
    this.owned = this.counter = new OwnedSessions(new SessionRegistry(table, instance.id, storedMs, config.maxEventsPerSession), refreshMs);
    this.eventMemory = new EventMemory(config);
  }

  eventStore(sessionId: string): EventStore {
    return new DurableEventStore(sessionId, this.owned, this.replays, this.eventMemory.storeFor(sessionId));
  }

  /** Registered before the client learns the id, so any instance can take the session over. */
  async create(sessionId: string, initialize: JSONRPCMessage, transport: Transport): Promise<void> {
    try {
      await this.owned.create(sessionId, initialize);
    } catch (error) {
      // The session never lived here, so nothing will `forget` it.
      this.eventMemory.release(sessionId);
      throw error;
    }
    this.hold(sessionId, transport);
  }

  /**
   * Takes the session over with a conditional write on its epoch, then rebuilds it on a fresh
   * transport. Of two instances racing, exactly one becomes the owner; the other, like any instance
   * that finds the owner busy with the session, declines without touching it ('busy').
   */
  adopt(sessionId: string, host: { full: boolean; open(): Promise<Transport> }): Promise<Transport | Declined | undefined> {
    if (host.full) return Promise.resolve('full');
    let pending = this.adopting.get(sessionId);
    if (!pending) {
      pending = this.takeOver(sessionId, host.open).finally(() => this.adopting.delete(sessionId));
      this.adopting.set(sessionId, pending);
    }
    return pending;
  }

  touch(sessionId: string, req: Request, res: Response): void {
    const setting = settingOf(req.body);
    // An accepted setting is written with its answer, which moves the expiry; the end of the request refreshes it otherwise.
    if (setting) this.owned.requested(sessionId, req.body.id, setting);
    else this.refreshExpiry(sessionId, res);
    this.keepAliveWhileOpen(sessionId, res);
    if (req.method === 'GET') this.watchOwnership(sessionId, res);
  }

  /** A local close (idle, shutdown, lost) leaves the session in the table for another instance; DELETE ends it everywhere. */
  async forget(sessionId: string, why: 'closed' | 'deleted'): Promise<void> {
    this.transports.delete(sessionId);
    this.eventMemory.release(sessionId);
    if (why === 'deleted') await this.owned.delete(sessionId);
    else this.owned.release(sessionId);
  }

  private async takeOver(sessionId: string, open: () => Promise<Transport>): Promise<Transport | Declined | undefined> {
    const stored = await this.owned.load(sessionId);
    if (!stored) return undefined;
    if (!(await this.owned.takeOver(stored))) {
      this.log({ msg: 'session held by another instance; not taking it over', session: sessionTag(sessionId), owner: stored.owner });
      return 'busy';
    }
    let transport: Transport | undefined;
    try {
      transport = await open();
      this.hold(sessionId, transport);
      await replayHandshake(transport, stored);
    } catch (error) {
      this.transports.delete(sessionId);
      this.eventMemory.release(sessionId);
      this.owned.release(sessionId);
      void transport?.close();
      throw error;
    }
    this.log({ msg: 'session rehydrated', session: sessionTag(sessionId), from: stored.owner });
    return transport;
  }

  /**
   * Nothing leaves this instance before what it depends on is stored. A response waits for the
   * session's pending changes to be written, so an acknowledged change survives a SIGKILL; a
   * GET-stream event is stored by the event store before it is sent. When that write fails (the
   * session moved to another instance, or DynamoDB refused it), the request is answered with an
   * error instead, and this instance's copy is dropped.
   *
   * The SDK drops a server-initiated notification when no GET stream is open on this transport,
   * without storing it. During a failover that is exactly the moment the stream is reconnecting
   * (possibly to this very task), so it is stored anyway: the reconnect's `Last-Event-ID` replay
   * then delivers it.
   */
  private hold(sessionId: string, transport: Transport): void {
    this.transports.set(sessionId, transport);
    interceptSend(transport, async (message, options, send) => {
      const standalone = options?.relatedRequestId === undefined && 'method' in message && !('id' in message);
      if (standalone) {
        await this.replays.settled(sessionId);
        if (!getStreamOpen(transport)) return void (await this.owned.append(sessionId, message));
      }
      if (!('id' in message) || !('result' in message || 'error' in message)) return send(message, options);
      if (message.id !== undefined) this.owned.answered(sessionId, message.id, 'result' in message);
      try {
        await this.owned.flush(sessionId);
      } catch (error) {
        await send({ jsonrpc: '2.0', id: message.id, error: lostError(error as Error) }, options);
        return this.lose(sessionId, transport, error as Error);
      }
      return send(message, options);
    });
  }

  /** This instance's copy is stale (another instance took the session over) or cannot be stored: drop it. */
  private lose(sessionId: string, transport: Transport, error: Error): void {
    this.log({ msg: 'session lost here; closing its transport', level: 'warn', session: sessionTag(sessionId), error: error.message });
    void transport.close();
  }

  /**
   * A failed refresh marks the session lost, so the request in flight is answered with an error
   * (its flush fails too); the transport closes only after that answer, or it would end the
   * request's stream with no response at all.
   */
  private refreshExpiry(sessionId: string, inFlight?: Response): void {
    const transport = this.transports.get(sessionId);
    this.owned.touch(sessionId).catch((error: Error) => {
      if (!transport) return;
      if (inFlight && !inFlight.closed) inFlight.once('close', () => this.lose(sessionId, transport, error));
      else this.lose(sessionId, transport, error);
    });
  }

  /**
   * The task holds a session for as long as a request or stream of it is open, and its idle timer
   * starts when the last one ends (`durableLifetime`). So an open one refreshes the stored expiry
   * (at most once every `refreshMs`), and its end refreshes it once more.
   */
  private keepAliveWhileOpen(sessionId: string, res: Response): void {
    const timer = setInterval(() => this.refreshExpiry(sessionId, res), this.refreshMs).unref();
    res.once('close', () => {
      clearInterval(timer);
      this.refreshExpiry(sessionId);
    });
  }

  /**
   * A GET stream only delivers what this instance emits, so one left open here after another
   * instance took the session over would go silent. Each keep-alive interval it checks the epoch
   * (one eventually consistent read) and, once it moved, ends the stream: the client reconnects
   * with `Last-Event-ID` to wherever its cookie now points, and the table replays what it missed.
   */
  private watchOwnership(sessionId: string, res: Response): void {
    const timer = setInterval(() => {
      this.owned.stillOwned(sessionId).then(
        (owned) => {
          const transport = this.transports.get(sessionId);
          if (!owned && transport) this.lose(sessionId, transport, new Error('another instance took the session over'));
        },
        (error: Error) => this.log({ msg: 'cannot check session ownership', level: 'warn', session: sessionTag(sessionId), error: error.message }),
      );
    }, this.config.keepAliveMs).unref();
    res.once('close', () => clearInterval(timer));
  }
}

/**
 * The durable store when `MCP_SESSION_TABLE` names a table, `undefined` (sessions in memory) when
 * it is unset. `MCP_DYNAMODB_ENDPOINT` (dynalite or DynamoDB Local) is local mode, the only mode
 * that creates the table: in AWS the stack owns it.
 */
export async function durableSessionStoreFromEnv(env: NodeJS.ProcessEnv, config: SessionConfig, instance: Pick<Instance, 'id'>): Promise<DurableSessionStore | undefined> {
  const tableName = env.MCP_SESSION_TABLE;
  if (!tableName) return undefined;
  const endpoint = env.MCP_DYNAMODB_ENDPOINT || undefined;
  const table = sessionTable(tableName, endpoint);
  if (endpoint) await createLocalTable(table);
  return new DurableSessionStore(table, config, instance);
}

/** The requests whose effect the transport keeps only in memory: persisted, once accepted, so rehydration re-applies them. */
function settingOf(body: unknown): Setting | undefined {
  const { method, params, id } = (body ?? {}) as { method?: unknown; params?: { level?: unknown; uri?: unknown }; id?: unknown };
  if (typeof id !== 'string' && typeof id !== 'number') return undefined;
  if (method === 'logging/setLevel' && typeof params?.level === 'string') return { logLevel: params.level };
  if (method === 'resources/subscribe' && typeof params?.uri === 'string') return { subscribe: params.uri };
  if (method === 'resources/unsubscribe' && typeof params?.uri === 'string') return { unsubscribe: params.uri };
  return undefined;
}

function lostError(error: Error): { code: number; message: string } {
  if (error instanceof SessionMovedError) {
    return { code: JsonRpcCode.ServerError, message: 'This session moved to another instance, or ended, while this request ran, so nothing it changed was kept. Send the request again.' };
  }
  // The cause (an endpoint, an exception name) is for the log, not the client.
  return { code: JsonRpcCode.InternalError, message: "The session's state could not be stored; this request may not have taken effect. Send it again." };
}
