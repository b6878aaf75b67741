/**
 * Bench only, never shipped: `hono/aws-lambda` with the one change issue #18 proposes upstream.
 * hono's `streamHandle` (src/adapter/aws-lambda/handler.ts) copies the answer into the response
 * stream with `pipeline(readWebStream(reader), responseStream)`; this one writes it in a loop, and
 * is otherwise the same. The benchmark bundles the handler with this module in place of
 * `hono/aws-lambda` (an esbuild alias) to measure what the change would save per warm call.
 */
import type { Writable } from 'node:stream';

import type { Hono } from 'hono';
// @ts-expect-error hono's own adapter module, outside its exports map: the benchmark aliases this name to the file.
import { getProcessor } from 'hono-aws-lambda-handler';

type Event = { requestContext?: unknown };
declare const awslambda: {
  streamifyResponse<H>(handler: H): H;
  HttpResponseStream: { from(stream: Writable, prelude: object): Writable };
};

export const streamHandle = (app: Hono) =>
  awslambda.streamifyResponse(async (event: Event, responseStream: Writable, context: unknown) => {
    try {
      const res = await app.fetch((getProcessor(event) as { createRequest(event: Event): Request }).createRequest(event), { event, requestContext: event.requestContext, context });
      const headers: Record<string, string> = {};
      const cookies: string[] = [];
      res.headers.forEach((value, name) => (name === 'set-cookie' ? cookies.push(value) : (headers[name] = value)));
      responseStream = awslambda.HttpResponseStream.from(responseStream, { statusCode: res.status, headers, cookies });
      if (!res.body) return void responseStream.write('');
      const reader = res.body.getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) responseStream.write(chunk.value);
    } catch (error) {
      console.error('Error processing request:', error);
      responseStream.write('Internal Server Error');
    } finally {
      responseStream.end();
    }
  });
