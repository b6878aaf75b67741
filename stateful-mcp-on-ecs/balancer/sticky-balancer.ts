/**
 * A local stand-in for the ALB's `lb_cookie` stickiness, for development and tests. It is not a
 * production proxy: use the ALB (or HAProxy, see haproxy-sticky.cfg) for that.
 *
 * Like the ALB, it answers a client without a valid `AWSALB` cookie from the next healthy target
 * (round robin) and sets the cookie; a client that sends the cookie back stays on that target while
 * it is healthy. When the target is down, the client is re-stuck to a healthy one and gets a new
 * cookie. The cookie value is an opaque random token per target, so it reveals nothing about the
 * topology. Responses stream through unbuffered, so SSE events arrive as they are written.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

import { createProxyServer } from 'http-proxy-3';

export const STICKY_COOKIE = 'AWSALB';

export interface StickyBalancerOptions {
  /** Base URLs of the targets, e.g. `http://127.0.0.1:8081`. */
  targets: string[];
  port?: number;
  host?: string;
  /** How often each target's `/health` is probed. */
  healthIntervalMs?: number;
  /** A probe slower than this fails; two failures in a row mark the target down (the ALB's default threshold is 2). */
  healthTimeoutMs?: number;
  /** The cookie's lifetime: the target group's stickiness duration (ALB default: 1 day). */
  cookieMaxAgeSeconds?: number;
}

export interface StickyBalancer {
  url: string;
  /** Which targets the last health checks found healthy. */
  healthy(): string[];
  stop(): Promise<void>;
}

interface Target {
  url: string;
  token: string;
  healthy: boolean;
  failures: number;
}

const UNHEALTHY_THRESHOLD = 2;

export async function startStickyBalancer({ targets: urls, port = 0, host = '127.0.0.1', healthIntervalMs = 1_000, healthTimeoutMs = 2_000, cookieMaxAgeSeconds = 86_400 }: StickyBalancerOptions): Promise<StickyBalancer> {
  if (urls.length === 0) throw new Error('the balancer needs at least one target');
  const targets: Target[] = urls.map((url) => ({ url, token: randomBytes(18).toString('base64url'), healthy: true, failures: 0 }));
  const byToken = new Map(targets.map((t) => [t.token, t]));
  // A fresh connection per request: a dead target then refuses it (and the request is re-stuck)
  // instead of resetting a pooled socket mid-request.
  const proxy = createProxyServer({ xfwd: true, agent: new Agent({ keepAlive: false }) });
  const setCookie = new WeakMap<IncomingMessage, string>();
  let next = 0;

  proxy.on('proxyRes', (proxyRes, req, res) => {
    const cookie = setCookie.get(req);
    if (cookie) proxyRes.headers['set-cookie'] = [...(proxyRes.headers['set-cookie'] ?? []), cookie];
    // A target that dies mid-response (an SSE stream on a killed task) is cut through to the
    // client, as the ALB does: an unfinished chunked response tells it the stream broke, so it
    // reconnects (with Last-Event-ID) instead of waiting on a stream nobody writes to.
    proxyRes.once('close', () => {
      if (!proxyRes.complete) res.destroy();
    });
  });

  const roundRobin = (tried: Set<Target>): Target | undefined => {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[next++ % targets.length]!;
      if (target.healthy && !tried.has(target)) return target;
    }
    return undefined;
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, tried: Set<Target>): void => {
    const stuck = byToken.get(cookieValue(req.headers.cookie, STICKY_COOKIE) ?? '');
    const target = stuck?.healthy && !tried.has(stuck) ? stuck : roundRobin(tried);
    if (!target) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('503 Service Unavailable: no healthy target\n');
    tried.add(target);
    // Like the ALB, refresh the cookie on every response so it expires a full duration after last use.
    setCookie.set(req, `${STICKY_COOKIE}=${target.token}; Max-Age=${cookieMaxAgeSeconds}; Path=/; HttpOnly`);
    proxy.web(req, res, { target: target.url, buffer: Readable.from([body]) }, (error: NodeJS.ErrnoException) => {
      // A refused connection never reached the target: mark it down and re-stick, as the ALB does
      // once its health check fails. Anything else may have reached it, so it is not retried.
      if (error.code === 'ECONNREFUSED' && !res.headersSent) {
        target.healthy = false;
        target.failures = UNHEALTHY_THRESHOLD;
        return forward(req, res, body, tried);
      }
      if (res.headersSent) return void res.destroy(); // mid-response: see proxyRes above
      res.writeHead(502, { 'content-type': 'text/plain' }).end('502 Bad Gateway\n');
    });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => forward(req, res, Buffer.concat(chunks), new Set()));
  });

  let checking: Promise<unknown> | undefined;
  const check = () =>
    (checking ??= Promise.all(
      targets.map(async (target) => {
        const ok = await fetch(`${target.url}/health`, { signal: AbortSignal.timeout(healthTimeoutMs) }).then((r) => r.ok, () => false);
        target.failures = ok ? 0 : target.failures + 1;
        // One success brings a target back; a busy one is not dropped for a single slow answer.
        target.healthy = target.failures < UNHEALTHY_THRESHOLD;
      }),
    ).finally(() => (checking = undefined)));
  await check();
  const timer = setInterval(() => void check(), healthIntervalMs).unref();

  server.listen(port, host);
  await once(server, 'listening');
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    healthy: () => targets.filter((t) => t.healthy).map((t) => t.url),
    stop: async () => {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      proxy.close();
    },
  };
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of header?.split(';') ?? []) {
    const [key, ...value] = pair.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
