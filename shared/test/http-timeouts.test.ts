/**
 * The HTTP server's timeouts behind a load balancer: an idle keep-alive connection outlives the
 * ALB's 60 s idle timeout, a stalled request body is cut, and a response that streams for longer
 * than the request timeout is not. Small timeouts stand in for the real ones.
 */
import { connect, type Socket } from 'node:net';

import express from 'express';

import { HTTP_TIMEOUTS, serve, type HttpTimeouts, type Serving } from '../src/http/serve';
import { startStateless } from './support/servers';

const quiet = () => {};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A socket that records what it receives and when it closed: fetch would hide both. */
function rawSocket(url: string) {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  const state = { received: '', closedAfterMs: undefined as number | undefined };
  const started = Date.now();
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (state.received += chunk));
  socket.on('close', () => (state.closedAfterMs = Date.now() - started));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, state, closed };
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`;

describe('HTTP timeouts', () => {
  it('keeps an idle connection longer than the ALB\'s 60 s idle timeout, and says so in Keep-Alive', async () => {
    expect(HTTP_TIMEOUTS.keepAliveMs).toBeGreaterThan(60_000);
    const server = await startStateless();
    const { socket, state } = rawSocket(server.url);
    try {
      socket.write(get('/health'));
      await sleep(200);
      expect(state.received).toMatch(/^HTTP\/1\.1 200 /);
      expect(state.received).toMatch(/^Connection: keep-alive\r$/im);
      expect(state.received).toMatch(new RegExp(`^Keep-Alive: timeout=${HTTP_TIMEOUTS.keepAliveMs / 1000}\\r$`, 'im'));
    } finally {
      socket.destroy();
      await server.shutdown();
    }
  });

  describe('with small timeouts', () => {
    const timeouts: HttpTimeouts = { keepAliveMs: 1_500, requestMs: 300 };
    let server: Serving;
    beforeAll(async () => {
      const app = express();
      app.get('/health', (_req, res) => void res.send('ok'));
      app.post('/body', (req, res) => {
        req.resume();
        req.on('end', () => res.send('got it'));
      });
      // Eight events 100 ms apart: the response outlasts the request timeout by far.
      app.post('/stream', (req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let sent = 0;
        const timer = setInterval(() => {
          res.write(`data: ${sent}\n\n`);
          if (++sent === 8) {
            clearInterval(timer);
            res.end();
          }
        }, 100);
      });
      server = await serve(app, { port: 0, host: '127.0.0.1', deadlineMs: 500, timeouts, log: quiet });
    });
    afterAll(() => server.shutdown());

    it('keeps an idle keep-alive connection past the request timeout, and closes it at the keep-alive timeout', async () => {
      const { socket, state, closed } = rawSocket(server.url);
      socket.write(get('/health'));
      await sleep(timeouts.requestMs * 3);
      socket.write(get('/health'));
      await sleep(100);
      expect(state.received.match(/HTTP\/1\.1 200 /g)).toHaveLength(2); // the same socket answered twice
      expect(state.closedAfterMs).toBeUndefined();
      await closed;
      // Closed by the server once idle for keepAliveMs after the second answer (Node adds a second's grace), not before.
      expect(state.closedAfterMs).toBeGreaterThanOrEqual(timeouts.requestMs * 3 + timeouts.keepAliveMs - 50);
      expect(state.closedAfterMs).toBeLessThan(timeouts.requestMs * 3 + timeouts.keepAliveMs + 2_000);
    });

    it('answers 408 and closes when a request body stalls past the request timeout', async () => {
      const { socket, state, closed } = rawSocket(server.url);
      socket.write('POST /body HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"jsonrpc":');
      await closed;
      expect(state.received).toMatch(/^HTTP\/1\.1 408 /);
      expect(state.closedAfterMs).toBeGreaterThanOrEqual(timeouts.requestMs - 50);
      expect(state.closedAfterMs).toBeLessThan(timeouts.requestMs * 3);
    });

    it('lets a response stream for longer than the request timeout once the request is in', async () => {
      const { socket, state, closed } = rawSocket(server.url);
      socket.write('POST /stream HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
      await closed;
      expect(state.received).toMatch(/^HTTP\/1\.1 200 /);
      expect([...state.received.matchAll(/^data: (\d)$/gm)].map((m) => m[1])).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
      expect(state.closedAfterMs).toBeGreaterThan(timeouts.requestMs * 2);
    });
  });
});
