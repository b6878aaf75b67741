import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

import type { Config } from '../config';
import type { Instance } from '../instance';
import { jsonLogger, type Logger } from './request-log';

export interface ServeOptions {
  port: number;
  host: string;
  deadlineMs: number;
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

export async function serve(app: Express, { port, host, deadlineMs, onShutdown, log = jsonLogger }: ServeOptions): Promise<Serving> {
  const requests = new FiniteRequests();
  const server = createServer((req, res) => {
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
  private open = 0;
  private waiters: Array<() => void> = [];

  track(req: IncomingMessage, res: { once(event: 'close', fn: () => void): unknown }): void {
    if (req.method === 'GET' || req.headers['mcp-method'] === 'subscriptions/listen') return;
    this.open++;
    res.once('close', () => {
      if (--this.open === 0) this.waiters.splice(0).forEach((wake) => wake());
    });
  }

  done(): Promise<void> {
    return this.open === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

async function drain(server: Server, requests: FiniteRequests, deadlineMs: number, onShutdown: (() => Promise<void>) | undefined, log: Logger): Promise<void> {
  const started = Date.now();
  const deadline = new Promise<'deadline'>((resolve) => setTimeout(resolve, deadlineMs, 'deadline').unref());
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();

  await Promise.race([requests.done(), deadline]);
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
}

/**
 * The process side of a server entry: builds the server, listens on `PORT`/`HOST`, drains on
 * SIGTERM, and logs the `listening` line that local runners and tests wait for. HOST defaults to
 * loopback so a laptop run is not exposed; the images set 0.0.0.0. A start that fails
 * (a port in use, a store out of reach) exits 1 with the reason.
 */
export function runServer(build: () => ServerParts | Promise<ServerParts>, { config, instance }: { config: Pick<Config, 'shutdownDeadlineMs'>; instance: Instance }): void {
  Promise.resolve()
    .then(build)
    .then(({ app, onShutdown }) =>
      serve(app, { port: Number(process.env.PORT ?? 8080), host: process.env.HOST ?? '127.0.0.1', deadlineMs: config.shutdownDeadlineMs, onShutdown }),
    )
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
