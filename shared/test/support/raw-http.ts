import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The JSON-RPC error, whether the body is JSON or an SSE stream (its first event with data: a priming event has none). */
  error?: { code: number; message: string };
}

/**
 * HTTP without fetch's guard rails: fetch silently drops a forged `Host`, and a test of
 * DNS-rebinding protection must be able to send one.
 */
export function raw(url: string, init: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'POST', headers: rawHeaders(init.headers) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, error: errorOf(text) }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

function errorOf(text: string): RawResponse['error'] {
  const json = text.startsWith('{') ? text : /^data: (.+)$/m.exec(text)?.[1];
  try {
    return json ? JSON.parse(json).error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Node refuses an array for Host in a headers object; the flat raw form sends every repeat, but
 * then adds no Host of its own, so it is kept for requests that repeat a header.
 */
function rawHeaders(headers: Record<string, string | string[]> | undefined): Record<string, string | string[]> | string[] | undefined {
  if (!headers || !Object.values(headers).some(Array.isArray)) return headers;
  return Object.entries(headers).flatMap(([name, values]) => ([] as string[]).concat(values).flatMap((value) => [name, value]));
}

/** A `subscriptions/listen` request as the v2 client sends it (2026-07-28): headers, envelope and filter. */
export const listenRequest = {
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-method': 'subscriptions/listen', 'mcp-protocol-version': '2026-07-28' },
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: 'listen:0',
    method: 'subscriptions/listen',
    params: {
      _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} },
      notifications: { toolsListChanged: true },
    },
  }),
};

export interface OpenStream extends RawResponse {
  /** Ends the stream from the client's side; a refused one has nothing to end. */
  close(): void;
}

/**
 * Opens a long-lived stream (a GET stream, a listen stream) and leaves it open once its headers
 * arrive; a refusal is read whole, as `raw` reads it.
 */
export function openStream(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const response = { status: res.statusCode ?? 0, headers: res.headers, close: () => req.destroy() };
      if (res.statusCode === 200) return resolve({ ...response, text: '' });
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ ...response, text, error: errorOf(text) }));
    });
    req.on('error', reject); // after close() the promise has long settled: harmless
    req.end(init.body);
  });
}
