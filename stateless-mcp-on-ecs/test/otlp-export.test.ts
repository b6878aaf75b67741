/**
 * The ECS tracing path as `-c tracing=true` sets it up: the server process gets
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (the ADOT collector beside it in the task) and sends its spans there
 * over OTLP/HTTP. A loopback receiver stands in for the collector and reads what arrives.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

import { startServerProcess } from '../../local/processes';
import { buildImageBundle, imageCommand } from '../../shared/test-support/dockerfile';

const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

interface Export {
  path: string;
  contentType: string | undefined;
  body: string;
}

async function startReceiver(): Promise<{ server: Server; url: string; exports: Export[] }> {
  const exports: Export[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      exports.push({ path: req.url ?? '', contentType: req.headers['content-type'], body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exports };
}

/** The image's bundle, built as shared/Dockerfile builds it (the SDK is a chunk it loads only with tracing on), with the CMD's flags. */
async function imageBundle(): Promise<{ entry: string; env: NodeJS.ProcessEnv; cleanup: () => void }> {
  const production = { NODE_ENV: 'production', MCP_ALLOWED_HOSTS: '127.0.0.1', MCP_REQUEST_STATE_KEY: randomBytes(32).toString('base64'), MCP_AUTH: 'none' };
  const entry = await buildImageBundle('stateless-mcp-on-ecs');
  return { entry, env: { ...production, NODE_OPTIONS: imageCommand().nodeFlags.join(' ') }, cleanup: () => rmSync(dirname(entry), { recursive: true, force: true }) };
}

describe.each([
  ['src/ through tsx', async () => ({ entry: join(__dirname, '../src/main.ts'), env: {}, cleanup: undefined })],
  ['the image\'s bundle', imageBundle],
])('spans exported over OTLP/HTTP, as the ADOT collector sidecar receives them (%s)', (_, serverEntry) => {
  it('sends the SERVER span of a tools/call, a child of the client\'s traceparent, by the time the drained process exits', async () => {
    const receiver = await startReceiver();
    const { entry, env, cleanup } = await serverEntry();
    const server = await startServerProcess(entry, { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'stateless-mcp-on-ecs' });
    try {
      const client = new Client({ name: 'otlp-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { traceparent: `00-${PARENT_TRACE}-00f067aa0ba902b7-01` } } }));
      await client.callTool({ name: 'echo', arguments: { message: 'traced' } });
      await client.close();
      // SIGTERM drains, then flushes the batch: nothing waits for the exporter's 5 s schedule.
      expect(await server.stop('SIGTERM')).toBe(0);
    } finally {
      await server.stop('SIGKILL');
      receiver.server.close();
      cleanup?.();
    }
    const traces = receiver.exports.filter((e) => e.path === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    const spans = traces.flatMap((e) => spansOf(JSON.parse(e.body)));
    const call = spans.filter((s) => s.name === 'tools/call echo');
    expect(call).toHaveLength(1);
    expect(call[0]).toMatchObject({ traceId: PARENT_TRACE, parentSpanId: '00f067aa0ba902b7', kind: 2 /* SERVER */ });
    expect(call[0]!.attributes).toEqual(expect.arrayContaining([{ key: 'gen_ai.tool.name', value: { stringValue: 'echo' } }, { key: 'mcp.method.name', value: { stringValue: 'tools/call' } }]));
    expect(traces[0]!.body).toContain('"stringValue":"stateless-mcp-on-ecs"');
  }, 60_000);
});

interface OtlpSpan {
  name: string;
  traceId: string;
  parentSpanId?: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

/** OTLP/JSON: resourceSpans → scopeSpans → spans, ids in hex. */
function spansOf(request: { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> }): OtlpSpan[] {
  return (request.resourceSpans ?? []).flatMap((r) => (r.scopeSpans ?? []).flatMap((s) => s.spans ?? []));
}
