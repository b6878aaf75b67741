/**
 * Per-task backstops that keep one client from holding what every client of a task shares. A client
 * is the address `requestClient` finds: the `X-Forwarded-For` entry the outermost trusted proxy
 * (CloudFront) appended, so no proxy's own address is ever the key. The first line is the
 * infrastructure's rate limit (a WAF rule); these are the last.
 */
import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';

import type { RequestHandler } from 'express';

import type { Config } from '../config';
import { JsonRpcCode, sendJsonRpcError } from './json-rpc-error';
import { requestClient } from './request-log';

/**
 * What the per-client limits count by: an IPv4 address, or the /64 of an IPv6 address, the block one
 * subscriber usually holds whole (keyed by the full address, one client would have 2^64 keys).
 */
export function clientKey(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  if (isIPv4(address)) return address;
  // Not an address at all: only a request that reached the task without the balancer can say so.
  if (!isIPv6(address)) return address.slice(0, 64);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`;
}

/** The key a request's client counts by: `clientKey` of the address `requestClient` finds behind `trustedProxyHops` proxies. */
export function requestClientKey(req: IncomingMessage, trustedProxyHops: number): string {
  return clientKey(requestClient(req, trustedProxyHops));
}

/** The eight groups of a valid IPv6 address, `::` expanded, leading zeros and case normalized. */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // A dotted IPv4 tail ("64:ff9b::192.0.2.1") fills two groups.
  const filled = left.length + right.reduce((n, group) => n + (group.includes('.') ? 2 : 1), 0);
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - filled).fill('0'), ...right];
  return groups.map((group) => (group.includes('.') ? group : parseInt(group, 16).toString(16)));
}

/** Streams end when their clients leave, not by themselves: a retry at once would find the same count. */
const STREAM_RETRY_AFTER_SECONDS = '5';

/**
 * Counts the long-lived streams open on this task, while they are open: the 2025-era GET stream and
 * the 2026-era `subscriptions/listen` stream. Each holds a socket and server memory until its client
 * leaves. One client holds at most `maxStreamsPerClient` (then 429); the task holds at most
 * `maxListenStreams` listen streams (then 503), refused here before the SDK's own `maxSubscriptions`
 * would answer 200 with a `-32603`. A POST's SSE answer does not count: it ends with its answer
 * (a tool call, bounded by the tool's own limits), the drain waits for it as for any finite request,
 * and counting it would turn an honest client's parallel calls into 429s.
 */
export function streamLimits({ maxListenStreams, maxStreamsPerClient, trustedProxyHops }: Pick<Config, 'maxListenStreams' | 'maxStreamsPerClient' | 'trustedProxyHops'>): RequestHandler {
  // An entry leaves with its client's last stream, so the map never outgrows the open sockets.
  const perClient = new Map<string, number>();
  let listening = 0;
  return (req, res, next) => {
    const listen = req.method === 'POST' && (req.body as { method?: unknown } | undefined)?.method === 'subscriptions/listen';
    if (req.method !== 'GET' && !listen) return next();
    const client = requestClientKey(req, trustedProxyHops);
    const held = perClient.get(client) ?? 0;
    const retry = { 'retry-after': STREAM_RETRY_AFTER_SECONDS };
    if (held >= maxStreamsPerClient) {
      return sendJsonRpcError(res, 429, JsonRpcCode.ServerError, `Too many open streams from this client (${maxStreamsPerClient}); close one or retry later`, retry);
    }
    if (listen && listening >= maxListenStreams) {
      return sendJsonRpcError(res, 503, JsonRpcCode.ServerError, `Too many subscriptions/listen streams on this instance (${maxListenStreams}); retry later`, retry);
    }
    perClient.set(client, held + 1);
    if (listen) listening++;
    res.once('close', () => {
      const left = perClient.get(client)! - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
      if (listen) listening--;
    });
    next();
  };
}
