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
import { streamHandle } from 'hono/aws-lambda';

import { createLambdaApp } from './app';
import { checkEvent } from './events';

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
  HttpResponseStream: { from(stream: Writable, prelude: { statusCode: number; headers: Record<string, string> }): Writable };
};

export function createLambdaHandler({ config, instance, extensions, log = jsonLogger }: LambdaHandlerOptions): LambdaHandler {
  const mcp = createMcpHandler(createServerFactory({ instance, config, extensions, reuse: true }), {
    maxSubscriptions: 0, // no listen streams: each execution environment would hear only its own changes (./app)
    keepAliveMs: config.sseKeepAliveMs, // a comment on a quiet SSE answer (15 s), inside the 30 s idle timeout of an edge-optimized API or CloudFront
    maxRequestBodySize: config.maxBodyBytes,
  });
  // hono's streamHandle falls short in two places (hono/dist/adapter/aws-lambda/handler.js, 4.13):
  // an event it cannot turn into a Request gets "Internal Server Error" written with no prelude, so
  // no status at all (checkEvent refuses every such event first); and when the response stream
  // closes mid-answer (a client gone), it notices only at its next write, and never cancels the
  // answer, so the tool would run on (the app cancels it `onClientGone`).
  const stream = streamHandle(createLambdaApp({ config, instance, mcp, log })) as unknown as LambdaHandler;
  // Off (and no SDK loaded) unless MCP_TRACING=xray-udp (`-c tracing=true` on the stack) or an OTLP endpoint is set.
  const tracing = startTracing(process.env, config.metrics.service).catch((error: Error) => {
    // As a task that cannot start: every invocation fails, and the log says why.
    log({ msg: 'cannot start', level: 'error', instance: instance.id, error: error.message });
    throw error;
  });

  return awslambda.streamifyResponse(async (event, responseStream, context) => {
    // Before any stream starts, so a bad event still gets its 400.
    const checked = checkEvent(event);
    if (!checked.ok) {
      log({ msg: 'bad event', level: 'warn', instance: instance.id, detail: checked.message });
      return badEvent(responseStream, checked.message);
    }
    const flushSpans = await tracing;
    await stream(event, responseStream, withClientGone(context, responseStream));
    // The environment may freeze once the invocation returns: its span leaves first.
    await flushSpans?.();
  });
}

/** The invocation's context, plus `onClientGone`: its callback runs if the response stream closes before it ends. */
function withClientGone(context: unknown, responseStream: Writable): object {
  const onClientGone = (callback: () => void) => void responseStream.once('close', () => responseStream.writableFinished || callback());
  return Object.assign(Object.create(context ?? null) as object, { onClientGone });
}

function badEvent(responseStream: Writable, message: string): void {
  const response = awslambda.HttpResponseStream.from(responseStream, { statusCode: 400, headers: { 'content-type': 'application/json' } });
  response.write(jsonRpcErrorBody(JsonRpcCode.InvalidRequest, message)); // `write`, not `end(body)`: the prelude goes out on the first write
  response.end();
}

// Built once per execution environment; every warm invocation reuses it.
export const handler = createLambdaHandler({ config: loadConfig(), instance: detectInstance() });
