/**
 * The local stand-in for the ALB: one Node balancer in front of server processes, for `npm start`,
 * the cluster tests and the conformance runner. It is not a production proxy: no TLS, no connection
 * limits, no access log, each request body held in memory, a fresh upstream connection per request.
 * Deployed, the ALB does this; locally, HAProxy can too (local/haproxy/*.cfg, used by compose).
 *
 * What it does, as the ALB does:
 * - round robin over the targets whose `/health` answers; two failures in a row take one out, one
 *   success brings it back;
 * - a refused connection never reached its target, so the request goes to another one;
 * - a target that dies mid-response cuts the client's connection, so a broken SSE stream looks broken;
 * - responses stream through unbuffered, so SSE events arrive as they are written.
 *
 * Two options:
 * - `sticky`: the ALB's `lb_cookie` stickiness. A client without a valid `AWSALB` cookie gets the next
 *   healthy target and a cookie naming it (an opaque random token per target); a client that sends it
 *   back stays there while it is healthy, and is re-stuck, with a new cookie, once it is not. The
 *   cookie is refreshed on every response, so it expires a full duration after last use.
 * - `keepCookies`: a cookie jar on the client side, for clients that keep none (the conformance
 *   suites, the Inspector), as mcp-remote or the stateful sample's client keep one. Every client of
 *   this balancer shares the one jar, and never sees a cookie.
 *
 *   BALANCER_TARGETS=http://127.0.0.1:8081,http://127.0.0.1:8082 BALANCER_STICKY=1 PORT=8080 npx tsx local/balancer.ts
 *
 * The command line reads BALANCER_TARGETS (comma-separated base URLs), BALANCER_STICKY=1,
 * BALANCER_KEEP_COOKIES=1, PORT (8080) and HOST (127.0.0.1), and logs `{"msg":"listening","url":...}`.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

import { jsonLogger } from '@mcp-on-aws/shared';
import { createProxyServer } from 'http-proxy-3';
import { CookieJar } from 'tough-cookie';

export const STICKY_COOKIE = 'AWSALB';

export interface BalancerOptions {
  /** Base URLs of the targets, e.g. `http://127.0.0.1:8081`. */
  targets: string[];
  port?: number;
  host?: string;
  /** Route by an `AWSALB` cookie, as the ALB's `lb_cookie` stickiness does. */
  sticky?: boolean;
  /** The sticky cookie's lifetime: the target group's stickiness duration (ALB default: 1 day). */
  cookieMaxAgeSeconds?: number;
  /** Keep the cookies in one jar on the clients' behalf. */
  keepCookies?: boolean;
  /** How often each target's `/health` is probed. */
  healthIntervalMs?: number;
  /** A probe slower than this fails. */
  healthTimeoutMs?: number;
}

/** What every local balancer offers, this one or HAProxy (local/haproxy.ts). */
export interface Balancer {
  url: string;
  stop(): Promise<void>;
}

export interface NodeBalancer extends Balancer {
  /** Which targets the last health checks found healthy. */
  healthy(): string[];
}

interface Target {
  url: string;
  token: string;
  healthy: boolean;
  failures: number;
}

// The ALB's default unhealthy threshold.
const UNHEALTHY_THRESHOLD = 2;

export async function startBalancer({
  targets: urls,
  port = 0,
  host = '127.0.0.1',
  sticky = false,
  cookieMaxAgeSeconds = 86_400,
  keepCookies = false,
  healthIntervalMs = 1_000,
  healthTimeoutMs = 2_000,
}: BalancerOptions): Promise<NodeBalancer> {
  if (urls.length === 0) throw new Error('the balancer needs at least one target');
  const targets: Target[] = urls.map((url) => ({ url, token: randomBytes(18).toString('base64url'), healthy: true, failures: 0 }));
  const byToken = new Map(targets.map((t) => [t.token, t]));
  // A fresh connection per request: a dead target then refuses it (and the request goes elsewhere)
  // instead of resetting a pooled socket mid-request.
  const proxy = createProxyServer({ xfwd: true, agent: new Agent({ keepAlive: false }) });
  const jar = keepCookies ? new CookieJar() : undefined;
  const stickTo = new WeakMap<IncomingMessage, string>();
  let url = '';
  let next = 0;

  proxy.on('proxyRes', (proxyRes, req, res) => {
    const cookies = [...(proxyRes.headers['set-cookie'] ?? []), ...(stickTo.has(req) ? [stickTo.get(req)!] : [])];
    if (jar) {
      for (const cookie of cookies) jar.setCookieSync(cookie, `${url}${req.url ?? '/'}`);
      delete proxyRes.headers['set-cookie'];
    } else if (cookies.length) {
      proxyRes.headers['set-cookie'] = cookies;
    }
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
    const stuck = sticky ? byToken.get(cookieValue(req.headers.cookie, STICKY_COOKIE) ?? '') : undefined;
    const target = stuck?.healthy && !tried.has(stuck) ? stuck : roundRobin(tried);
    if (!target) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('503 Service Unavailable: no healthy target\n');
    tried.add(target);
    if (sticky) stickTo.set(req, `${STICKY_COOKIE}=${target.token}; Max-Age=${cookieMaxAgeSeconds}; Path=/; HttpOnly`);
    proxy.web(req, res, { target: target.url, buffer: Readable.from([body]) }, (error: NodeJS.ErrnoException) => {
      // A refused connection never reached the target: take it out until a health check passes, and
      // try another, as the ALB does. Anything else may have reached it, so it is not retried.
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
    // The jar stands in for the client's own: what the client sent is not what it would have kept.
    if (jar) {
      const kept = jar.getCookieStringSync(`${url}${req.url ?? '/'}`);
      if (kept) req.headers.cookie = kept;
      else delete req.headers.cookie;
    }
    // Listeners, not `for await`: a client that drops mid-body would throw `aborted` out of an async
    // handler and take the process, and every sample behind it, down. Here the request just ends.
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
  url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url,
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

if (require.main === module) {
  const targets = (process.env.BALANCER_TARGETS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (targets.length === 0) {
    process.stderr.write('BALANCER_TARGETS is required: comma-separated base URLs of the servers\n');
    process.exit(1);
  }
  void startBalancer({
    targets,
    port: Number(process.env.PORT ?? 8080),
    host: process.env.HOST ?? '127.0.0.1',
    sticky: process.env.BALANCER_STICKY === '1',
    keepCookies: process.env.BALANCER_KEEP_COOKIES === '1',
  }).then((balancer) => {
    jsonLogger({ msg: 'listening', url: balancer.url, targets: targets.join(',') });
    const stop = () => void balancer.stop().then(() => process.exit(0));
    process.once('SIGTERM', stop).once('SIGINT', stop);
  });
}
