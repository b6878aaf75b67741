/**
 * Durable sessions: a `SessionStore` that keeps every session in one DynamoDB table, so any
 * instance can adopt a session it never saw and only DELETE or expiry ends one. The owner of a
 * session holds its epoch; every write is conditional on it (fencing), and nothing leaves the
 * owner before what it depends on is stored. A request for a session another live instance owns
 * is forwarded there (`forwarding.ts`), and a dead owner's session is taken over at once. The
 * trade-off: one `UpdateItem` per request that changes something, a hop for a request that lands
 * on another instance than the owner, and a first request after a failover that waits for the takeover.
 */
import type { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';
import { jsonLogger, JsonRpcCode, sessionTag, type Config, type Instance, type Logger, type MetricSink, type Refusal } from '@mcp-on-aws/shared';
import type { Request, Response } from 'express';

import { EventMemory } from '../memory-event-store';
import { idleSweepMs, type SessionConfig } from '../session-config';
import type { AdoptHost, Declined, SessionStore } from '../session-store';
import { DurableEventStore, isGetStreamEventId, Replays } from './event-store';
import { answerNotHeld, Forwarder, ForwardSigner } from './forwarding';
import { fixedAddress, listeningAddress } from './owner-address';
import { OwnedSessions, type Setting } from './owned-sessions';
import { replayHandshake } from './rehydrate';
import { SessionMovedError, SessionRegistry, type StoredSession } from './registry';
import { getStreamOpen, interceptSend } from './sdk-internals';
import { createLocalTable, sessionTable, type SessionTable } from './table';

type Transport = NodeStreamableHTTPServerTransport;

/** What forwarding needs; without it this instance advertises no address, and a session another instance holds is taken over after its grace. */
export interface ForwardingOptions {
  /** The deployment's shared secret (`MCP_REQUEST_STATE_KEY`): every instance derives the same forwarding key from it. */
  sharedKey: Uint8Array;
  /** This instance's address when the environment fixes it (`owner-address.ts`); otherwise the listening address. */
  address?: string;
}

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
  /** One adoption per session and principal at a time on this instance; concurrent requests share it. */
  private readonly adopting = new Map<string, Promise<Transport | Declined | undefined>>();
  private readonly replays = new Replays();
  private readonly refreshMs: number;
  /** The POST-stream events of every session held here, bounded per session and for the process. */
  readonly eventMemory: EventMemory;
  private readonly forwarder?: Forwarder;
  /** The owner each session was last forwarded to. */
  private readonly knownOwners = new KnownOwners();

  constructor(
    table: SessionTable,
    private readonly config: SessionConfig,
    instance: Pick<Instance, 'id'>,
    private readonly log: Logger = jsonLogger,
    private readonly forwarding?: ForwardingOptions,
    /** Counts `Takeovers` and `ForwardedRequests`. */
    private readonly metrics?: MetricSink,
  ) {
    const { refreshMs, storedMs } = durableLifetime(config);
    this.refreshMs = refreshMs;
    this.owned = this.counter = new OwnedSessions(new SessionRegistry(table, instance.id, storedMs, config.maxEventsPerSession), refreshMs);
    this.eventMemory = new EventMemory(config);
    if (forwarding) this.forwarder = new Forwarder(new ForwardSigner(forwarding.sharedKey), metrics);
  }

  /** The server listens at `url`: with forwarding, this is the address written with every session it owns from now on. */
  listening(url: string): void {
    if (this.forwarding) this.owned.address = this.forwarding.address ?? listeningAddress(url);
  }

  inbound(req: Request, sessionId: string): 'client' | 'forwarded' | Refusal {
    return this.forwarder?.inbound(req, sessionId, this.owned.address) ?? 'client';
  }

  eventStore(sessionId: string): EventStore {
    return new DurableEventStore(sessionId, this.owned, this.replays, this.eventMemory.storeFor(sessionId));
  }

  /** Registered before the client learns the id, so any instance can take the session over. */
  async create(sessionId: string, initialize: JSONRPCMessage, transport: Transport, principal: string | undefined): Promise<void> {
    try {
      await this.owned.create(sessionId, initialize, principal);
    } catch (error) {
      // The session never lived here, so nothing will `forget` it.
      this.eventMemory.release(sessionId);
      throw error;
    }
    this.hold(sessionId, transport);
  }

  /**
   * A session this instance does not hold. When its owner advertises an address, the request is
   * forwarded there; when that owner is gone (the connection failed, or it answered that it does
   * not hold the session), or advertises nothing, the session is taken over with a conditional
   * write on its epoch and rebuilt on a fresh transport. Of two instances racing, exactly one
   * becomes the owner; the other, like any instance that finds an owner without an address busy
   * with the session, declines without touching it ('busy'). A forwarded request is never
   * forwarded again: it joins a takeover in progress here, or is answered 421. A request of another
   * principal than the session's shares no takeover and takes nothing over (it is forwarded at most,
   * and the owner refuses it).
   */
  async adopt(sessionId: string, { full, principal, open, req, res, forwarded }: AdoptHost): Promise<Transport | Declined | 'answered' | undefined> {
    const key = `${sessionId} ${principal ?? ''}`;
    const pending = this.adopting.get(key);
    if (forwarded) return pending ?? (answerNotHeld(res), 'answered');
    if (full) return 'full';
    if (pending) return pending;
    if (await this.tryKnownOwner(sessionId, req, res)) return 'answered';
    const stored = await this.owned.load(sessionId);
    if (!stored || stored.principal !== principal) return undefined;
    const owner = await this.tryOwner(stored, req, res);
    if (owner === 'answered') return 'answered';
    // Another request for the session may have taken it over here while this one tried the owner.
    const adopted = await (this.transports.get(sessionId) ?? this.adopting.get(key) ?? this.share(key, this.takeOver(stored, open, owner === 'gone')));
    if (adopted !== 'busy' || owner !== 'gone') return adopted;
    // Another instance took the gone owner's session first: it is the owner now, at the address it wrote.
    const winner = await this.owned.load(sessionId);
    if (!winner?.address || winner.address === stored.address || winner.address === this.owned.address) return 'busy';
    return (await this.forwarder!.forward(req, res, sessionId, winner.address)) === 'answered' ? 'answered' : 'busy';
  }

  /**
   * Forwards to the owner this instance last forwarded the session to, without reading the table:
   * the forwarded hop then costs no store read. `false` when there is none, or it no longer
   * answers for the session: the table says who does.
   */
  private async tryKnownOwner(sessionId: string, req: Request, res: Response): Promise<boolean> {
    const address = this.knownOwners.get(sessionId);
    if (!address || !this.forwarder) return false;
    if ((await this.forwarder.forward(req, res, sessionId, address)) === 'answered') return true;
    this.knownOwners.delete(sessionId);
    return false;
  }

  /** Forwards the request to the session's owner: `answered`, or whether the owner is `gone` or advertises no address (`unknown`). */
  private async tryOwner(stored: StoredSession, req: Request, res: Response): Promise<'answered' | 'gone' | 'unknown'> {
    if (!this.forwarder || !stored.address) return 'unknown';
    // Recorded here, yet not held here: this instance closed it, or is a new process on the address.
    if (stored.address === this.owned.address) return 'gone';
    const outcome = await this.forwarder.forward(req, res, stored.id, stored.address);
    if (outcome === 'answered') return this.knownOwners.remember(stored.id, stored.address), 'answered';
    this.log({ msg: outcome === 'owner-gone' ? 'session owner unreachable; taking the session over' : 'session owner no longer holds it; taking it over', session: sessionTag(stored.id), owner: stored.owner });
    return 'gone';
  }

  /** `key`: the session and the principal it belongs to. */
  private share(key: string, takeOver: Promise<Transport | Declined | undefined>): Promise<Transport | Declined | undefined> {
    const pending = takeOver.finally(() => this.adopting.delete(key));
    this.adopting.set(key, pending);
    return pending;
  }

  touch(sessionId: string, req: Request, res: Response): void {
    if (req.method === 'GET') this.supersedeGetStream(sessionId, req);
    const setting = settingOf(req.body);
    // An accepted setting is written with its answer, which moves the expiry; the end of the request refreshes it otherwise.
    if (setting) this.owned.requested(sessionId, req.body.id, setting);
    else this.refreshExpiry(sessionId, res);
    this.keepAliveWhileOpen(sessionId, res);
    if (req.method === 'GET') this.watchOwnership(sessionId, res);
  }

  /**
   * A local close (idle, shutdown, lost) hands the session over in the table, for the next request
   * on any instance to take at once; DELETE ends it everywhere.
   */
  async forget(sessionId: string, why: 'closed' | 'deleted'): Promise<void> {
    this.transports.delete(sessionId);
    this.eventMemory.release(sessionId);
    if (why === 'deleted') await this.owned.delete(sessionId);
    else await this.owned.handOver(sessionId);
  }

  private async takeOver(stored: StoredSession, open: () => Promise<Transport>, ownerGone: boolean): Promise<Transport | Declined | undefined> {
    const sessionId = stored.id;
    if (!(await this.owned.takeOver(stored, { ownerGone }))) {
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
    this.metrics?.count('Takeovers');
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
   * A client that resumes its GET stream (`Last-Event-ID` of a GET-stream event) has lost the old
   * one, though this instance may not know yet: a cut that no proxy passed on is noticed only at
   * the next write. The old stream ends here, so the resume replays instead of answering 409; what
   * the old stream sent meanwhile is stored, and replayed.
   */
  private supersedeGetStream(sessionId: string, req: Request): void {
    const lastEventId = req.headers['last-event-id'];
    const transport = this.transports.get(sessionId);
    if (typeof lastEventId === 'string' && isGetStreamEventId(lastEventId) && transport && getStreamOpen(transport)) transport.closeStandaloneSSEStream();
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

/** A bounded map, oldest out first: an entry is only a hint (a wrong one costs a 421 and a store read). */
class KnownOwners extends Map<string, string> {
  static readonly MAX = 10_000;

  remember(sessionId: string, address: string): void {
    this.delete(sessionId);
    this.set(sessionId, address);
    if (this.size > KnownOwners.MAX) this.delete(this.keys().next().value!);
  }
}

/**
 * The durable store when `MCP_SESSION_TABLE` names a table, `undefined` (sessions in memory) when
 * it is unset. `MCP_DYNAMODB_ENDPOINT` (dynalite or DynamoDB Local) is local mode, the only mode
 * that creates the table: in AWS the stack owns it.
 */
export async function durableSessionStoreFromEnv(
  env: NodeJS.ProcessEnv,
  config: SessionConfig,
  instance: Pick<Instance, 'id'>,
  { requestStateKey }: Pick<Config, 'requestStateKey'>,
  metrics?: MetricSink,
): Promise<DurableSessionStore | undefined> {
  const tableName = env.MCP_SESSION_TABLE;
  if (!tableName) return undefined;
  const endpoint = env.MCP_DYNAMODB_ENDPOINT || undefined;
  const table = sessionTable(tableName, endpoint, undefined, metrics);
  // Forwarding needs the key every instance shares; a process that generated its own signs what no other can check.
  const forwarding = env.MCP_REQUEST_STATE_KEY ? { sharedKey: requestStateKey, address: await fixedAddress(env) } : undefined;
  if (endpoint) await createLocalTable(table);
  return new DurableSessionStore(table, config, instance, jsonLogger, forwarding, metrics);
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
