/**
 * Tracing as the Lambda stack turns it on (`MCP_TRACING=xray-udp`): each span one UDP datagram to
 * the X-Ray daemon's address, in the daemon's format, a child of the invocation's `_X_AMZN_TRACE_ID`
 * when the request brings no trace context, and sampled as `OTEL_TRACES_SAMPLER` says. The daemon
 * is a UDP socket on loopback.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler } from '@modelcontextprotocol/server';

import { createMcpApp, createServerFactory, detectInstance, expressMcpHandler, loadConfig, serve, startTracing, stopTracing, type Serving } from '../src';

const X_RAY_ROOT = '1-67891233-abcdef012345678912345678';
const W3C_TRACE = '67891233abcdef012345678912345678';

let daemon: Socket;
let server: Serving;
const datagrams: Buffer[] = [];

beforeAll(async () => {
  daemon = createSocket('udp4').on('message', (message) => void datagrams.push(message));
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  const env = {
    MCP_TRACING: 'xray-udp',
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(daemon.address() as AddressInfo).port}`,
    // As the Lambda stack sets them: 5 % of new traces, every trace a caller already sampled.
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0',
  };
  expect(await startTracing(env, 'stateless-mcp-on-lambda')).toEqual(expect.any(Function));
  const config = loadConfig({});
  const instance = detectInstance({});
  const mcp = createMcpHandler(createServerFactory({ instance, config }));
  server = await serve(createMcpApp({ config, instance, mcp: expressMcpHandler(mcp, config.maxBodyBytes), log: () => {} }), { port: 0, host: '127.0.0.1', deadlineMs: 1_000, log: () => {} });
});
afterAll(async () => {
  await server?.shutdown();
  stopTracing();
  daemon?.close();
  delete process.env._X_AMZN_TRACE_ID;
});

async function echo(headers: Record<string, string> = {}): Promise<void> {
  const client = new Client({ name: 'xray-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }));
  await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
  await client.close();
  await new Promise((r) => setTimeout(r, 100));
}

/** The OTLP protobuf of a datagram: the daemon's header line, `T1S`, then base64. */
function otlpOf(datagram: Buffer): Buffer {
  const [header, payload] = datagram.toString().split('\n');
  expect(header).toBe('{"format":"json","version":1}');
  expect(payload!.startsWith('T1S')).toBe(true);
  return Buffer.from(payload!.slice(3), 'base64');
}

describe('spans to the X-Ray daemon over UDP (Lambda, -c tracing=true)', () => {
  it("sends each span as one datagram, a child of the invocation's X-Ray trace when the request has no trace context", async () => {
    process.env._X_AMZN_TRACE_ID = `Root=${X_RAY_ROOT};Parent=53995c3f42cd8ad8;Sampled=1`;
    datagrams.length = 0;
    await echo();
    const spans = datagrams.map(otlpOf).filter((otlp) => otlp.includes('tools/call echo'));
    expect(spans).toHaveLength(1);
    expect(spans[0]!.includes(Buffer.from(W3C_TRACE, 'hex'))).toBe(true);
    expect(spans[0]!.includes(Buffer.from('53995c3f42cd8ad8', 'hex'))).toBe(true);
  });

  it('sends nothing for an invocation Lambda did not sample, and samples a caller-sampled traceparent', async () => {
    process.env._X_AMZN_TRACE_ID = `Root=${X_RAY_ROOT};Parent=53995c3f42cd8ad8;Sampled=0`;
    datagrams.length = 0;
    await echo();
    expect(datagrams.filter((d) => otlpOf(d).includes('tools/call echo'))).toHaveLength(0);

    await echo({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    const spans = datagrams.map(otlpOf).filter((otlp) => otlp.includes('tools/call echo'));
    expect(spans).toHaveLength(1);
    expect(spans[0]!.includes(Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736', 'hex'))).toBe(true);
  });
});
