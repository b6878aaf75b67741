import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The JSON-RPC error, whether the body is JSON or a one-event SSE stream. */
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
  const json = text.startsWith('{') ? text : /^data: (.*)$/m.exec(text)?.[1];
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
