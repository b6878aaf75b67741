/**
 * MCP served straight from a Lambda handler behind API Gateway, streamed: no web adapter, no
 * container, no session. Every invocation is one POST answered by a server from the shared factory
 * (a warm environment reuses it for the next call of its era: `reuse`), in either protocol era,
 * and the answer streams back through API Gateway's response streaming (`InvokeWithResponseStream`)
 * as the server writes it: progress arrives live.
 *
 * What it gives up: the 2025-era GET stream (405), server push between requests, and listen
 * streams (each execution environment would hear only its own changes). Human-in-the-loop still
 * works for 2026-era clients: `input_required` with a signed `requestState` carries the state.
 *
 * The tools live in `@mcp-on-aws/shared`; the HTTP rules in `./app`; the stack in `../infra`.
 */
import type { Writable } from 'node:stream';

import { createServerFactory, detectInstance, jsonLogger, JsonRpcCode, jsonRpcErrorBody, loadConfig, startTracing, type Config, type Instance, type Logger, type ServerExtension } from '@mcp-on-aws/shared';
import { createMcpHandler } from '@modelcontextprotocol/server';

import { createLambdaApp } from './app';
import { readEvent } from './events';

export interface LambdaHandlerOptions {
  config: Config;
  instance: Instance;
  /** More tools on every server; the conformance runner adds its fixtures here. */
  extensions?: ServerExtension[];
  log?: Logger;
}

/** A response-streaming handler: the runtime hands it a writable for the HTTP response. */
export type LambdaHandler = (event: unknown, responseStream: Writable, context?: unknown) => Promise<void>;

/** What the Node.js Lambda runtime puts on the global object before it loads this module. */
declare const awslambda: {
  streamifyResponse<H extends LambdaHandler>(handler: H): H;
  HttpResponseStream: { from(stream: Writable, prelude: { statusCode: number; headers: Record<string, string>; cookies?: string[] }): Writable };
};

export function createLambdaHandler({ config, instance, extensions, log = jsonLogger }: LambdaHandlerOptions): LambdaHandler {
  const mcp = createMcpHandler(createServerFactory({ instance, config, extensions, reuse: true }), {
    maxSubscriptions: 0, // no listen streams: each execution environment would hear only its own changes (./app)
    keepAliveMs: config.sseKeepAliveMs, // a comment on a quiet SSE answer (15 s), inside the 30 s idle timeout of an edge-optimized API or CloudFront
    maxRequestBodySize: config.maxBodyBytes,
  });
  const app = createLambdaApp({ config, instance, mcp, log });
  // Off (and no SDK loaded) unless MCP_TRACING=xray-udp (`-c tracing=true` on the stack) or an OTLP endpoint is set.
  const tracing = startTracing(process.env, config.metrics.service).catch((error: Error) => {
    // As a task that cannot start: every invocation fails, and the log says why.
    log({ msg: 'cannot start', level: 'error', instance: instance.id, error: error.message });
    throw error;
  });

  return awslambda.streamifyResponse(async (event, responseStream, context) => {
    // Before any stream starts, so a bad event still gets its 400.
    const read = readEvent(event);
    if (!read.ok) {
      log({ msg: 'bad event', level: 'warn', instance: instance.id, detail: read.message });
      return badEvent(responseStream, read.message);
    }
    const flushSpans = await tracing;
    await send(await app.fetch(read.request, { requestContext: read.requestContext, context, body: read.body }), responseStream);
    // The environment may freeze once the invocation returns: its span leaves first.
    await flushSpans?.();
  });
}

/**
 * Writes the answer into the response stream as the MCP handler produces it: the status and headers
 * first (the HTTP prelude), then each chunk. If the stream closes first (the client went away), the
 * answer is cancelled, and with it the tool call behind it. A plain loop, where hono's `streamHandle`
 * runs a Node `pipeline` per answer that cost a sixth to a fifth of a warm call's CPU (BENCHMARKS.md)
 * and noticed a closed stream only at its next write.
 */
async function send(response: Response, responseStream: Writable): Promise<void> {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  response.headers.forEach((value, name) => (name === 'set-cookie' ? cookies.push(value) : (headers[name] = value)));
  const out = awslambda.HttpResponseStream.from(responseStream, { statusCode: response.status, headers, cookies });
  out.write(''); // the prelude goes out on the first write: now, before the body's first chunk
  if (!response.body) return void out.end();
  const reader = response.body.getReader();
  const clientGone = () => void reader.cancel(new Error('the client went away')).catch(() => {});
  out.once('close', clientGone);
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      if (!out.write(chunk.value) && !out.destroyed) await drained(out); // a destroyed stream never drains
    }
  } finally {
    out.off('close', clientGone);
    out.end();
  }
}

/** Resolves when the stream takes writes again, or closes. */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done).off('close', done);
      resolve();
    };
    stream.on('drain', done).on('close', done);
  });
}

function badEvent(responseStream: Writable, message: string): void {
  const response = awslambda.HttpResponseStream.from(responseStream, { statusCode: 400, headers: { 'content-type': 'application/json' } });
  response.write(jsonRpcErrorBody(JsonRpcCode.InvalidRequest, message)); // `write`, not `end(body)`: the prelude goes out on the first write
  response.end();
}

// Built once per execution environment; every warm invocation reuses it.
export const handler = createLambdaHandler({ config: loadConfig(), instance: detectInstance() });
