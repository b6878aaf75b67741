/**
 * A SERVER span per MCP request, read with an in-memory exporter: named and attributed per the
 * OTel MCP conventions, a child of the client's `traceparent` header, or of `params._meta` when a
 * 2026-07-28 client puts the trace context there; its trace id is in the request's log line.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { z } from 'zod';

import { conformanceFixtures } from '../../conformance/src/fixtures';
import { createMcpApp, createServerFactory, detectInstance, expressMcpHandler, loadConfig, serve, stopTracing, useTracerProvider, type LogLine, type Serving } from '../src';
import { startSessionful } from './support/servers';

const exporter = new InMemorySpanExporter();
const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const HEADER_PARENT = `00-${PARENT_TRACE}-00f067aa0ba902b7-01`;
const META_TRACE = '0af7651916cd43dd8448eb211c80319c';
const META_PARENT = `00-${META_TRACE}-b7ad6b7169203331-01`;

let server: Serving;
const lines: LogLine[] = [];

beforeAll(async () => {
  await useTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
  const config = loadConfig({});
  const instance = detectInstance({});
  const mcp = createMcpHandler(createServerFactory({ instance, config, extensions: [conformanceFixtures] }));
  server = await serve(createMcpApp({ config, instance, mcp: expressMcpHandler(mcp, config.maxBodyBytes), log: (l) => void lines.push(l) }), { port: 0, host: '127.0.0.1', deadlineMs: 1_000, log: () => {} });
});
afterAll(async () => {
  await server?.shutdown();
  stopTracing();
});
beforeEach(() => exporter.reset());

async function client(url: string, era: 'legacy' | 'modern', headers: Record<string, string> = {}): Promise<Client> {
  const c = new Client({ name: 'spans-test', version: '1.0.0' }, { versionNegotiation: { mode: era === 'modern' ? 'auto' : 'legacy' } });
  await c.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }));
  return c;
}

const spanNamed = (name: string) => {
  const found = exporter.getFinishedSpans().filter((s) => s.name === name);
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('a span per MCP request', () => {
  it.each(['legacy', 'modern'] as const)('carries the MCP attributes and the traceparent header as its parent, %s era', async (era) => {
    const c = await client(server.url, era, { traceparent: HEADER_PARENT });
    try {
      await c.callTool({ name: 'echo', arguments: { message: 'hi' } });
    } finally {
      await c.close();
    }
    const span = spanNamed('tools/call echo');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe(PARENT_TRACE);
    expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'echo',
      'gen_ai.operation.name': 'execute_tool',
      'jsonrpc.request.id': expect.any(String),
      'mcp.protocol.version': expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
    expect(span.attributes).not.toHaveProperty('error.type');
    expect(span.attributes).not.toHaveProperty('mcp.session.id'); // stateless: no session
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.find((l) => l.Tool === 'echo' && l.traceId === PARENT_TRACE)).toBeDefined();
  });

  it('takes its parent from params._meta when a 2026-era client puts the trace context there, over the header', async () => {
    const c = await client(server.url, 'modern', { traceparent: HEADER_PARENT });
    try {
      await c.callTool({ name: 'echo', arguments: { message: 'hi' }, _meta: { traceparent: META_PARENT } });
    } finally {
      await c.close();
    }
    const span = spanNamed('tools/call echo');
    expect(span.spanContext().traceId).toBe(META_TRACE);
    expect(span.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  });

  it('records a failing tool as tool_error and an unknown method by its JSON-RPC code, with an ERROR status', async () => {
    const c = await client(server.url, 'modern');
    try {
      await c.callTool({ name: 'test_error_handling', arguments: {} });
      await expect(c.request({ method: 'tools/bogus', params: {} }, z.object({}))).rejects.toThrow();
    } finally {
      await c.close();
    }
    const failed = spanNamed('tools/call test_error_handling');
    expect(failed.attributes['error.type']).toBe('tool_error');
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    const unknown = spanNamed('tools/bogus');
    expect(unknown.attributes).toMatchObject({ 'error.type': '-32601', 'rpc.response.status_code': '-32601' });
    expect(unknown.status).toMatchObject({ code: SpanStatusCode.ERROR, message: expect.stringMatching(/not found/i) });
    // No parent given: each request starts its own trace.
    expect(failed.parentSpanContext).toBeUndefined();
  });

  it("names a 2025-era session by the log's 12-hex tag, never its id", async () => {
    const sessionful = await startSessionful();
    try {
      const c = await client(sessionful.url, 'legacy');
      await c.callTool({ name: 'echo', arguments: { message: 'hi' } });
      const sessionId = (c.transport as StreamableHTTPClientTransport).sessionId!;
      await c.close();
      const span = spanNamed('tools/call echo');
      expect(span.attributes['mcp.session.id']).toMatch(/^[0-9a-f]{12}$/);
      expect(JSON.stringify(span.attributes)).not.toContain(sessionId);
    } finally {
      await sessionful.shutdown();
    }
  });
});
