/**
 * MCP served straight from a Lambda handler behind API Gateway: no web adapter, no container,
 * no session. Every invocation is one POST answered by a fresh server from the shared factory,
 * in either protocol era, and the answer goes back buffered in one API Gateway result.
 *
 * What it gives up: the 2025-era GET stream (405), server push between requests, and live
 * progress, which arrives all at once when the response ends. Human-in-the-loop still works for
 * 2026-era clients: `input_required` with a signed `requestState` carries the state.
 *
 * The tools live in `@mcp-on-aws/shared`; the HTTP rules in `./app`; the stack in `../infra`.
 */
import { createServerFactory, detectInstance, jsonLogger, JsonRpcCode, loadConfig, type Config, type Instance, type Logger, type ServerExtension } from '@mcp-on-aws/shared';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { defaultIsContentTypeBinary, handle, type LambdaEvent } from 'hono/aws-lambda';

import { createLambdaApp } from './app';
import { asJsonRpc, checkEvent, errorResult, type LambdaResult } from './events';

export interface LambdaHandlerOptions {
  config: Config;
  instance: Instance;
  /** More tools on every server; the conformance runner adds its fixtures here. */
  extensions?: ServerExtension[];
  log?: Logger;
}

export type LambdaHandler = (event: unknown, context?: unknown) => Promise<LambdaResult>;

/**
 * hono's default calls `text/event-stream` binary and base64-encodes it, so a 2025-era client
 * behind API Gateway would read base64. SSE and JSON stay text; the rest keeps hono's rule.
 */
export function isContentTypeBinary(contentType: string): boolean {
  if (/^text\/event-stream\b/i.test(contentType) || /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) return false;
  return defaultIsContentTypeBinary(contentType);
}

export function createLambdaHandler({ config, instance, extensions, log = jsonLogger }: LambdaHandlerOptions): LambdaHandler {
  const mcp = createMcpHandler(createServerFactory({ instance, config, extensions }), {
    maxSubscriptions: 0, // a listen stream never ends, and a buffered Lambda answer only leaves when it does
    keepAliveMs: 0, // keep-alive comments would only be buffered with the rest
    maxRequestBodySize: config.maxBodyBytes,
  });
  const lambda = handle(createLambdaApp({ config, instance, mcp, log }), { isContentTypeBinary });

  return async (event, context) => {
    const checked = checkEvent(event);
    if (!checked.ok) {
      log({ msg: 'bad event', level: 'warn', instance: instance.id, detail: checked.message });
      return errorResult(400, JsonRpcCode.InvalidRequest, checked.message);
    }
    try {
      return asJsonRpc(await lambda(event as LambdaEvent, context as Parameters<typeof lambda>[1]));
    } catch (error) {
      // Nothing a client sends reaches here; but an invocation must never end in an unhandled rejection.
      log({ msg: 'unhandled error', level: 'error', instance: instance.id, detail: String(error) });
      return errorResult(500, JsonRpcCode.InternalError, 'Internal error');
    }
  };
}

// Built once per execution environment; every warm invocation reuses it.
export const handler = createLambdaHandler({ config: loadConfig(), instance: detectInstance() });
