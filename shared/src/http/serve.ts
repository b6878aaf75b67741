import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

import type { Config } from '../config';
import type { Instance } from '../instance';
import { startTracing } from '../observability/tracing';
import { jsonLogger, type Logger } from './request-log';

/** The HTTP server's timeouts; the defaults fit a task behind the ALB. */
export interface HttpTimeouts {
  /**
   * How long an idle keep-alive connection stays open. Above the ALB's 60 s idle timeout, so the
   * ALB closes an idle connection first and never sends a request on one the task is closing (a
   * 502). Node's own 5 s default causes exactly that.
   */
  keepAliveMs: number;
  /**
   * The whole request, headers and body, must arrive within this; a stalled body gets 408. Node
   * stops this clock once the request is in, so a response (an SSE stream) may run for longer.
   * `headersTimeout` equals it: Node requires it to be no longer, and since Node 18 neither
   * applies to an idle keep-alive connection, which only `keepAliveMs` closes (checked in
   * shared/test/http-timeouts.test.ts).
   */
  requestMs: number;
}

export const HTTP_TIMEOUTS: HttpTimeouts = { keepAliveMs: 65_000, requestMs: 30_000 };

export interface ServeOptions {
  port: number;
  host: string;
  deadlineMs: number;
  timeouts?: HttpTimeouts;
  /** Closes what the server holds open beyond HTTP: transports, SSE streams, stores. */
  onShutdown?: () => Promise<void>;
  log?: Logger;
}

export interface Serving {
  server: Server;
  url: string;
  /** Stops accepting, lets open requests finish, closes streams, and cuts what is left at the deadline. */
  shutdown(): Promise<void>;
}

export async function serve(app: Express, { port, host, deadlineMs, timeouts = HTTP_TIMEOUTS, onShutdown, log = jsonLogger }: ServeOptions): Promise<Serving> {
  const requests = new FiniteRequests();
  const options = {
    keepAliveTimeout: timeouts.keepAliveMs,
    requestTimeout: timeouts.requestMs,
    headersTimeout: timeouts.requestMs,
    // Node checks the request clocks on this interval (30 s by default), so a stalled body is cut at most a tenth late.
    connectionsCheckingInterval: Math.max(10, Math.round(timeouts.requestMs / 10)),
    ...builtForExpress(app),
  };
  const server = createServer(options, (req, res) => {
    requests.track(req, res);
    app(req, res);
  });
  server.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port: bound } = server.address() as AddressInfo;

  let stopping: Promise<void> | undefined;
  const shutdown = () => (stopping ??= drain(server, requests, deadlineMs, onShutdown, log));
  return { server, url: `http://${host}:${bound}`, shutdown };
}

/**
 * Node's request and response classes, extended so that their objects are built on Express's
 * prototypes. Express makes `app.request` and `app.response` the prototype of every request and
 * response it handles, and V8 gives an object whose prototype changes after it is built a hidden
 * class of its own: about 0.8 KB each, made on every request and held by every open SSE stream for
 * its life. Built on them already, Express's `Object.setPrototypeOf` changes nothing.
 */
function builtForExpress(app: Express): { IncomingMessage: typeof IncomingMessage; ServerResponse: typeof ServerResponse } {
  class ExpressRequest extends IncomingMessage {}
  class ExpressResponse extends ServerResponse {}
  Object.setPrototypeOf(ExpressRequest.prototype, app.request);
  Object.setPrototypeOf(ExpressResponse.prototype, app.response);
  app.request = ExpressRequest.prototype as Express['request'];
  app.response = ExpressResponse.prototype as Express['response'];
  return { IncomingMessage: ExpressRequest, ServerResponse: ExpressResponse as typeof ServerResponse };
}

/** SIGTERM (ECS stopping a task) and SIGINT (Ctrl-C) drain and exit; a second signal exits at once. */
export function exitOnSignals(serving: Serving, log: Logger = jsonLogger): void {
  const onSignal = (signal: NodeJS.Signals) => {
    log({ msg: 'shutting down', signal });
    process.once(signal, () => process.exit(1));
    void serving.shutdown().then(() => process.exit(0));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/**
 * Counts requests that end by themselves. A GET stream and a 2026-era `subscriptions/listen` stay
 * open until the server closes them, so waiting for them would only burn the deadline.
 */
class FiniteRequests {
  private open = new Map<ServerResponse, IncomingMessage & { body?: unknown }>();
  private waiters: Array<() => void> = [];

  track(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'GET' || req.headers['mcp-method'] === 'subscriptions/listen') return;
    this.open.set(res, req);
    res.once('close', () => {
      this.open.delete(res);
      if (this.open.size === 0) this.waiters.splice(0).forEach((wake) => wake());
    });
  }

  /**
   * Answers every request still open at the deadline with "shutting down, retry", so its client
   * retries (through the balancer, on another task) instead of reading a stream that ends with no answer.
   */
  refuseOpen(): void {
    for (const [res, req] of this.open) {
      const body = req.body as { id?: unknown } | undefined;
      const id = body && typeof body === 'object' && !Array.isArray(body) && 'id' in body ? body.id : null;
      const error = JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32000, message: 'Server shutting down, retry' } });
      if (!res.headersSent) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', connection: 'close' }).end(error);
      } else if (id !== null) {
        // Headers already out on a request still open: an SSE stream (a JSON answer goes out whole).
        res.end(`event: message\ndata: ${error}\n\n`);
      } else {
        res.destroy(); // nothing to answer: cut, so the client sees the stream break
      }
    }
  }

  done(): Promise<void> {
    return this.open.size === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

async function drain(server: Server, requests: FiniteRequests, deadlineMs: number, onShutdown: (() => Promise<void>) | undefined, log: Logger): Promise<void> {
  const started = Date.now();
  const deadline = new Promise<'deadline'>((resolve) => setTimeout(resolve, deadlineMs, 'deadline').unref());
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();

  if ((await Promise.race([requests.done(), deadline])) === 'deadline') requests.refuseOpen();
  server.closeIdleConnections(); // keep-alive sockets that the finished requests left behind
  // Closing transports ends their streams; clients reconnect through the balancer to another task.
  await Promise.race([onShutdown?.(), deadline]);
  server.closeIdleConnections(); // the sockets of the streams that onShutdown just ended
  if ((await Promise.race([closed, deadline])) === 'deadline') {
    server.closeAllConnections();
    await closed;
  }
  log({ msg: 'stopped', durationMs: Date.now() - started });
}

export interface ServerParts {
  app: Express;
  onShutdown?: () => Promise<void>;
  /** Called once the server listens, with its URL (the port that `PORT=0` picked), before the `listening` log line. */
  onListening?: (url: string) => void;
}

/**
 * The process side of a server entry: builds the server, listens on `PORT`/`HOST`, drains on
 * SIGTERM, and logs the `listening` line that local runners and tests wait for. HOST defaults to
 * loopback so a laptop run is not exposed; the images set 0.0.0.0. A start that fails
 * (a port in use, a store out of reach) exits 1 with the reason.
 */
export function runServer(build: () => ServerParts | Promise<ServerParts>, { config, instance }: { config: Pick<Config, 'shutdownDeadlineMs' | 'metrics'>; instance: Instance }): void {
  let flushSpans: (() => Promise<void>) | undefined;
  Promise.resolve()
    .then(async () => {
      flushSpans = await startTracing(process.env, config.metrics.service);
      return build();
    })
    .then(async ({ app, onShutdown, onListening }) => {
      // The spans of the drained requests leave before the process does.
      const shutdown = async () => void (await onShutdown?.(), await flushSpans?.());
      const serving = await serve(app, { port: Number(process.env.PORT ?? 8080), host: process.env.HOST ?? '127.0.0.1', deadlineMs: config.shutdownDeadlineMs, onShutdown: shutdown });
      onListening?.(serving.url);
      return serving;
    })
    .then(
      (serving) => {
        exitOnSignals(serving);
        jsonLogger({ msg: 'listening', url: serving.url, instance: instance.id });
      },
      (error: Error) => {
        jsonLogger({ msg: 'cannot start', level: 'error', error: error.message });
        process.exit(1);
      },
    );
}
