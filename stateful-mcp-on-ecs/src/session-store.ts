import type { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';
import type { Refusal, SessionCounter } from '@mcp-on-aws/shared';
import type { Request, Response } from 'express';

/** Why an instance that could take a session over did not: it is at its cap, or another instance is using the session. */
export type Declined = 'full' | 'busy';

/** What `adopt` gets from the live sessions: room, a way to open a transport, and the request itself. */
export interface AdoptHost {
  full: boolean;
  /** `principalDigest` of the request's caller (`undefined` with authentication off): only its own session is adopted. */
  principal: string | undefined;
  /** A fresh transport for the session, connected to a fresh server. */
  open(): Promise<NodeStreamableHTTPServerTransport>;
  req: Request;
  res: Response;
  /** Another instance forwarded the request here (`inbound`): it is served here or refused, never sent on. */
  forwarded: boolean;
}

/**
 * Where a session's state lives besides its transport. The live sessions (`sessions.ts`) call it
 * at each step of a session's life on this instance. The in-memory store
 * (`memory-session-store.ts`) keeps everything in this process; a durable store
 * (`durable/durable-session-store.ts`) keeps it in DynamoDB, so another instance can adopt a
 * session this one never saw.
 */
export interface SessionStore {
  /** The per-session counter the shared tools count with. */
  readonly counter: SessionCounter;
  /** The event store for a new transport of the session: what its streams resume from after `Last-Event-ID`. */
  eventStore(sessionId: string): EventStore;
  /**
   * A new session on `transport`, stored before the transport handles its `initialize` (so a failure can be answered 503) and before the client learns its id.
   * `initialize` is the bounded part of the client's that rebuilding the session needs (`session-initialize.ts`);
   * `principal`, the `principalDigest` of its caller (`undefined` with authentication off), whom it belongs to.
   */
  create(sessionId: string, initialize: JSONRPCMessage, transport: NodeStreamableHTTPServerTransport, principal: string | undefined): Promise<void>;
  /**
   * A session this instance does not hold: rebuild it on a transport from `host.open`, decline, or
   * answer the request itself (`answered`: a durable store forwards it to the instance that holds
   * the session). `undefined` when the store knows no such session, or knows it for another
   * principal than `host.principal` (checked before any takeover, so that caller can neither move
   * the session nor learn that it exists).
   */
  adopt(sessionId: string, host: AdoptHost): Promise<NodeStreamableHTTPServerTransport | Declined | 'answered' | undefined>;
  /**
   * Whether a request came from a client or was forwarded by another instance, checked before it is
   * routed; a refusal for a false claim. Without it, every request comes from a client.
   */
  inbound?(req: Request, sessionId: string): 'client' | 'forwarded' | Refusal;
  /** The server listens at `url` (a durable store learns the address other instances forward to). */
  listening?(url: string): void;
  /** A request for the session arrived on this instance, `res` closing when it ends. */
  touch(sessionId: string, req: Request, res: Response): void;
  /** This instance closed the session's transport (`closed`: idle, shutdown, lost), or the client ended it (`deleted`). */
  forget(sessionId: string, why: 'closed' | 'deleted'): Promise<void>;
}
