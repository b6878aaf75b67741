/**
 * Spans to the X-Ray daemon Lambda runs in every sandbox with active tracing on: each span one UDP
 * datagram to `AWS_XRAY_DAEMON_ADDRESS`, the OTLP protobuf behind the daemon's own header and a
 * `T1S` marker (ADOT's Lambda path). No collector layer, no extension to start on a cold start, and
 * no credentials in the function: the daemon signs and sends.
 */
import { createSocket, type Socket } from 'node:dgram';

import { ROOT_CONTEXT, trace, TraceFlags, type Context } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

const HEADER = '{"format":"json","version":1}\n';

export class XrayUdpSpanExporter implements SpanExporter {
  private readonly socket: Socket;
  private readonly host: string;
  private readonly port: number;

  /** `address`: the daemon's `host:port` (`AWS_XRAY_DAEMON_ADDRESS`, 169.254.79.129:2000 on Lambda). */
  constructor(address: string) {
    const at = address.lastIndexOf(':');
    this.host = address.slice(0, at);
    this.port = Number(address.slice(at + 1));
    this.socket = createSocket(this.host.includes(':') ? 'udp6' : 'udp4');
    this.socket.unref();
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const body = ProtobufTraceSerializer.serializeRequest(spans);
    if (!body) return done({ code: 1, error: new Error('spans could not be serialized') });
    const datagram = Buffer.from(`${HEADER}T1S${Buffer.from(body).toString('base64')}`);
    this.socket.send(datagram, this.port, this.host, (error) => done(error ? { code: 1, error } : { code: 0 }));
  }

  async shutdown(): Promise<void> {
    this.socket.close();
  }
}

const XRAY_HEADER = /Root=1-([0-9a-f]{8})-([0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=([01])/;

/**
 * The invocation's X-Ray segment as a remote parent (Lambda sets `_X_AMZN_TRACE_ID` per invocation):
 * a request without a trace context of its own joins the function's trace, sampled as Lambda decided.
 */
export function lambdaTraceContext(env: NodeJS.ProcessEnv = process.env): Context {
  const match = XRAY_HEADER.exec(env._X_AMZN_TRACE_ID ?? '');
  if (!match) return ROOT_CONTEXT;
  const [, time, id, parent, sampled] = match;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: `${time}${id}`, spanId: parent!, traceFlags: sampled === '1' ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true });
}
