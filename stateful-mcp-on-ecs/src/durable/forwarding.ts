/**
 * Forwarding a session's request to the instance that owns it, so that any instance serves any
 * session and the balancer's stickiness only saves a hop. The request and its answer stream
 * through unbuffered (an SSE answer or GET stream included, `Last-Event-ID` and every MCP header
 * with it, `Authorization` unchanged for the owner to check again); a client that goes away ends
 * the request to the owner, and an owner that dies mid-answer cuts the client's stream, which it
 * then resumes.
 *
 * Between instances a request is signed (`ForwardSigner`): HMAC over the HTTP method, the session
 * id, the time and the owner address it was meant for, with a key derived from the deployment's
 * `MCP_REQUEST_STATE_KEY`, so no new secret is needed. The owner refuses a bad or stale signature
 * (403), and never forwards a forwarded request again: when it no longer holds the session it
 * answers 421, and the forwarder takes the session over.
 *
 * Dead or slow: an owner is dead when the TCP connection to it fails (refused, or no answer to the
 * SYN within `CONNECT_TIMEOUT_MS`). A live Node process's kernel completes the handshake even
 * while its event loop is busy, so a slow owner is connected to and waited for, never displaced;
 * and if a misjudged owner lives on, the epoch fences it (`registry.ts`).
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

import { JsonRpcCode, sendJsonRpcError, type MetricSink, type Refusal } from '@mcp-on-aws/shared';
import type { Request, Response } from 'express';
import { Agent, request as undiciRequest } from 'undici';

/** The header a forwarded request carries: `<unix ms>.<base64url HMAC>`. */
export const FORWARDED_HEADER = 'mcp-forwarded';
/** What an instance answers a forwarded request for a session it does not hold (421 Misdirected Request). */
export const NOT_HELD_STATUS = 421;
/** A signature older (or further in the future) than this is refused: clocks within a VPC agree far better. */
export const SIGNATURE_TTL_MS = 30_000;
/** A connection to the owner that does not open within this is a dead owner. */
export const CONNECT_TIMEOUT_MS = 1_000;

/** The HKDF label of the forwarding key: the same secret signs `requestState` under another use. */
const KEY_INFO = 'mcp-on-aws/stateful session forwarding v1';

/** Hop-by-hop headers (RFC 9110 7.6.1): each hop sets its own. Everything else travels as it came. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);
/** Not passed on to the owner: undici frames the body again, and the signature is the forwarder's own. */
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'expect', 'content-length', FORWARDED_HEADER]);

export class ForwardSigner {
  private readonly key: Buffer;

  constructor(secret: Uint8Array) {
    this.key = Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), KEY_INFO, 32));
  }

  sign(method: string, sessionId: string, address: string, now = Date.now()): string {
    return `${now}.${this.mac(method, sessionId, address, now)}`;
  }

  /** `undefined` when `header` is a fresh signature of this request for `address`, otherwise why not. */
  check(header: string, method: string, sessionId: string, address: string | undefined, now = Date.now()): string | undefined {
    const [time, mac, extra] = header.split('.');
    const at = Number(time);
    if (extra !== undefined || !mac || !/^\d{1,15}$/.test(time ?? '')) return 'malformed';
    if (Math.abs(now - at) > SIGNATURE_TTL_MS) return 'stale';
    if (!address) return 'this instance takes no forwarded requests';
    const expected = Buffer.from(this.mac(method, sessionId, address, at));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) ? undefined : 'bad signature';
  }

  private mac(method: string, sessionId: string, address: string, at: number): string {
    return createHmac('sha256', this.key).update(`${method}\n${sessionId}\n${at}\n${address}`).digest('base64url');
  }
}

/** How a forward ended: the owner answered (streamed to the client, or the client went away), or the session needs a new owner. */
export type ForwardOutcome = 'answered' | 'owner-gone' | 'not-held';

export class Forwarder {
  /**
   * Pooled keep-alive connections to each owner. No header or body timeout: a slow owner is alive
   * and waited for, and a GET stream is silent between keep-alives.
   */
  private readonly agent = new Agent({ connect: { timeout: CONNECT_TIMEOUT_MS }, headersTimeout: 0, bodyTimeout: 0 });

  constructor(
    readonly signer: ForwardSigner,
    private readonly metrics?: MetricSink,
  ) {}

  /** Whether `req` says it was forwarded; a refusal (403) when it says so without a valid signature. */
  inbound(req: Request, sessionId: string, address: string | undefined): 'client' | 'forwarded' | Refusal {
    const header = req.headers[FORWARDED_HEADER];
    if (header === undefined) return 'client';
    const why = typeof header === 'string' ? this.signer.check(header, req.method, sessionId, address) : 'repeated';
    if (!why) return 'forwarded';
    return { status: 403, code: JsonRpcCode.ServerError, message: `Forbidden: ${FORWARDED_HEADER} is for requests between instances, and this one is not valid (${why})` };
  }

  /** Sends the request to the owner at `address` and streams its answer to `res`, unless the owner is gone or does not hold the session. */
  async forward(req: Request, res: Response, sessionId: string, address: string): Promise<ForwardOutcome> {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !NOT_FORWARDED.has(name)) headers[name] = value;
    headers[FORWARDED_HEADER] = this.signer.sign(req.method, sessionId, address);
    const aborted = new AbortController();
    const clientGone = () => aborted.abort();
    res.once('close', clientGone);
    let answer: Awaited<ReturnType<typeof undiciRequest>>;
    try {
      answer = await undiciRequest(`http://${address}${req.originalUrl}`, {
        method: req.method as 'GET' | 'POST' | 'DELETE',
        headers,
        // The body was parsed for routing; the owner gets the same JSON.
        body: req.body === undefined || req.method === 'GET' ? undefined : JSON.stringify(req.body),
        signal: aborted.signal,
        dispatcher: this.agent,
      });
    } catch (error) {
      res.off('close', clientGone);
      if (aborted.signal.aborted) return 'answered';
      if (connectFailed(error)) return 'owner-gone';
      // Connected, then lost before an answer: the owner may have acted on it, so it is not retried here.
      sendJsonRpcError(res, 502, JsonRpcCode.ServerError, 'The instance holding this session stopped answering; retry', { 'retry-after': '1' });
      return 'answered';
    }
    if (answer.statusCode === NOT_HELD_STATUS) {
      res.off('close', clientGone);
      await answer.body.dump();
      return 'not-held';
    }
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
    res.writeHead(answer.statusCode, out);
    this.metrics?.count('ForwardedRequests');
    // A GET stream may stay silent until its first event: its client needs the headers now. Any other
    // answer's headers leave with its first bytes, one write fewer.
    if (req.method === 'GET') res.flushHeaders();
    // An owner that dies mid-answer: cut the client's connection too, so it sees the stream break and resumes it.
    answer.body.once('error', () => res.destroy());
    answer.body.pipe(res);
    return 'answered';
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** A TCP connection that never opened: nothing reached the owner. */
function connectFailed(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  return code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN';
}

/** What a forwarded request for a session this instance does not hold gets: the forwarder takes the session over. */
export function answerNotHeld(res: Response): void {
  sendJsonRpcError(res, NOT_HELD_STATUS, JsonRpcCode.SessionNotFound, 'This instance no longer holds the session; the forwarding instance takes it over');
}
