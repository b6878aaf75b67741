/**
 * The conformance suites and the Inspector keep no cookies, and the stateful sample's stickiness is
 * a cookie (`AWSALB`). This loopback forwarder holds the cookie jar for them, the way mcp-remote or
 * the sample's own client does: every request goes upstream through fetch-cookie over one
 * tough-cookie jar (the library `stateful-mcp-on-ecs/client` uses), and every answer, SSE included,
 * streams back as it arrives. The jar's cookies never reach the tool behind it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

import makeFetchCookie from 'fetch-cookie';
import { CookieJar } from 'tough-cookie';

export interface CookieProxy {
  /** The proxy's base URL: the upstream path is appended as is. */
  url: string;
  jar: CookieJar;
  close(): Promise<void>;
}

// Hop-by-hop, recomputed by fetch or Node, or the jar's business.
const REQUEST_DROP = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'cookie']);
const RESPONSE_DROP = new Set(['connection', 'keep-alive', 'content-length', 'transfer-encoding', 'content-encoding', 'set-cookie']);

export async function startCookieProxy(upstream: string): Promise<CookieProxy> {
  const jar = new CookieJar();
  const fetchWithJar = makeFetchCookie(fetch, jar);
  const open = new Set<AbortController>();

  const forward = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const aborted = new AbortController();
    open.add(aborted);
    // A client that hangs up (an SSE stream it is done with) ends the upstream request too.
    res.on('close', () => aborted.abort());
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = Object.entries(req.headers).flatMap(([name, value]) => (REQUEST_DROP.has(name) || value === undefined ? [] : [[name, String(value)] as [string, string]]));
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const upstreamResponse = await fetchWithJar(new URL(req.url ?? '/', upstream), { method: req.method, headers, body, signal: aborted.signal, redirect: 'manual' });
      res.writeHead(upstreamResponse.status, [...upstreamResponse.headers].filter(([name]) => !RESPONSE_DROP.has(name)).flat());
      res.flushHeaders();
      if (upstreamResponse.body) {
        for await (const chunk of Readable.fromWeb(upstreamResponse.body as import('node:stream/web').ReadableStream)) res.write(chunk);
      }
      res.end();
    } catch (error) {
      if (aborted.signal.aborted) return void res.destroy();
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: `cookie proxy: upstream failed: ${(error as Error).message}` } }));
    } finally {
      open.delete(aborted);
    }
  };

  const server = createServer((req, res) => void forward(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    jar,
    close: async () => {
      for (const controller of open) controller.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
