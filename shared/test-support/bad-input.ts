/**
 * The bad-input corpus every sample's suite drives through its real server (Express over loopback,
 * Lambda through `handler(restApiEvent(...))`): request -> status and JSON-RPC code. Each case
 * answered 5xx, or was accepted, before the input checks of `shared/src/http/input-checks.ts`.
 */
export interface BadRequest {
  method: string;
  /** A header sent more than once is an array. No Host unless the case is about Host. */
  headers: Record<string, string | string[]>;
  body?: string;
  /** The body is base64: how a test sends bytes that are not UTF-8. */
  base64?: boolean;
}

export type BadInputCase = [name: string, request: BadRequest, status: number, code: number];

const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const rpc = (params: string) => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${params}}`;
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const twoCalls = JSON.stringify([1, 2].map((id) => ({ jsonrpc: '2.0', id, method: 'tools/list' })));
const [before, after] = rpc('{"name":"echo","arguments":{"message":"BYTES"}}').split('BYTES') as [string, string];
const notUtf8 = Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe]), Buffer.from(after)]);

/** `host` is an allowed Host: the duplicate-Host case repeats it, so only the repetition is at fault. */
export function badInputCorpus(host: string): BadInputCase[] {
  return [
    ['JSON nested 10,000 deep in the body', { method: 'POST', headers: json, body: rpc(nested(10_000)) }, 400, -32600],
    ['JSON nested 100 deep in _meta', { method: 'POST', headers: json, body: rpc(`{"name":"echo","arguments":{"message":"x"},"_meta":${nested(100)}}`) }, 400, -32600],
    ['a PATCH', { method: 'PATCH', headers: json, body: rpc('{}') }, 405, -32000],
    ['invalid UTF-8 inside a JSON string', { method: 'POST', headers: json, body: notUtf8.toString('base64'), base64: true }, 400, -32700],
    ['an unknown Content-Encoding', { method: 'POST', headers: { ...json, 'content-encoding': 'x-unknown' }, body: rpc('{}') }, 415, -32600],
    ['two Host headers', { method: 'POST', headers: { ...json, host: [host, host] }, body: rpc('{"name":"echo","arguments":{"message":"x"}}') }, 400, -32600],
    ['a batch at 2025-06-18', { method: 'POST', headers: { ...json, 'mcp-protocol-version': '2025-06-18' }, body: twoCalls }, 400, -32600],
    ['a batch at 2025-11-25', { method: 'POST', headers: { ...json, 'mcp-protocol-version': '2025-11-25' }, body: twoCalls }, 400, -32600],
  ];
}

/** The form `raw()` sends: the body as bytes when the case carries it in base64. */
export function asHttp({ method, headers, body, base64 }: BadRequest) {
  return { method, headers, body: body !== undefined && base64 ? Buffer.from(body, 'base64') : body };
}
