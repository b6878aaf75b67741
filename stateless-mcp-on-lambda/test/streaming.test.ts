/**
 * The handler alone, streamed as API Gateway's `STREAM` integration invokes it (REST events, no
 * port): the raw bytes it writes are the runtime's HTTP prelude (JSON status and headers, then 8 NUL
 * bytes) and then the body as the server writes it. Errors raised before the first byte carry their
 * own 4xx in that prelude.
 */
import type { ServerExtension } from '@mcp-on-aws/shared';

import { invokeStreaming, PRELUDE_CONTENT_TYPE, splitPrelude, type StreamingHandler } from '../../local/lambda-runtime';
import { HOST, json, lambdaHandler, modernHeaders, modernMeta, restEvent, rpc } from './support/events';

const DELIMITER = Buffer.alloc(8);

/** Every byte the handler writes, each chunk with the milliseconds since the invocation began. */
async function invokeRaw(handler: StreamingHandler, event: unknown) {
  const started = performance.now();
  const { output, done } = invokeStreaming(handler, event);
  const chunks: Array<{ at: number; bytes: Buffer }> = [];
  output.on('data', (bytes: Buffer) => chunks.push({ at: performance.now() - started, bytes }));
  await Promise.all([done, new Promise((resolve) => output.once('end', resolve))]);
  const raw = Buffer.concat(chunks.map((c) => c.bytes));
  const at = raw.indexOf(DELIMITER);
  return {
    contentType: (output as unknown as { contentType: string }).contentType,
    prelude: JSON.parse(raw.subarray(0, at).toString('utf8')) as Record<string, unknown> & { statusCode: number; headers: Record<string, string> },
    body: raw.subarray(at + DELIMITER.length).toString('utf8'),
    chunks,
    ended: performance.now() - started,
  };
}

/** A tool whose answer is four progress events of 100 KB each, far over the response stream's 16 KB buffer. */
const flood: ServerExtension = {
  register(server) {
    server.registerTool('flood', { description: 'Sends 400 KB of progress.' }, async (ctx) => {
      for (let progress = 1; progress <= 4; progress++) {
        await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: ctx.mcpReq._meta?.progressToken ?? 'p', progress, message: 'x'.repeat(100_000) } });
      }
      return { content: [{ type: 'text', text: 'flooded' }] };
    });
  },
};

const countdown = (delayMs: number, meta: Record<string, unknown> = {}) => rpc('tools/call', { name: 'countdown', arguments: { steps: 3, delayMs }, _meta: { progressToken: 'p', ...meta } });

describe('the handler streams a REST API answer', () => {
  const { streaming: handler } = lambdaHandler();

  it('opens with the HTTP prelude: status 200, content-type text/event-stream, no base64, then the SSE text as written', async () => {
    const answer = await invokeRaw(handler, restEvent({ headers: json, body: rpc('tools/call', { name: 'echo', arguments: { message: 'héllo ✓' } }) }));
    expect(answer.contentType).toBe(PRELUDE_CONTENT_TYPE);
    expect(answer.prelude).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/event-stream' } });
    expect(answer.prelude).not.toHaveProperty('isBase64Encoded');
    expect(answer.body).toMatch(/^event: message\ndata: \{.*"text":"héllo ✓".*\}\n\n$/);
  });

  it('writes each progress event as its step ends, long before the result', async () => {
    const answer = await invokeRaw(handler, restEvent({ headers: json, body: countdown(300) }));
    const firstProgress = answer.chunks.find((c) => c.bytes.includes('notifications/progress'))!;
    expect(firstProgress).toBeDefined();
    // Step 1 at ~300 ms, the result at ~900 ms.
    expect(answer.ended - firstProgress.at).toBeGreaterThanOrEqual(500);
    expect(answer.body.match(/notifications\/progress/g)).toHaveLength(3);
    expect(answer.body).toContain('Lift-off after 3 steps');
  });

  it('upgrades a 2026-era answer to SSE when progress comes before the result, and answers JSON otherwise', async () => {
    const withProgress = await invokeRaw(handler, restEvent({ headers: modernHeaders('tools/call', 'countdown'), body: countdown(50, modernMeta) }));
    expect(withProgress.prelude).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/event-stream' } });
    expect(withProgress.body).toContain('notifications/progress');
    const plain = await invokeRaw(handler, restEvent({ headers: modernHeaders('tools/call', 'ping'), body: rpc('tools/call', { name: 'ping', arguments: {}, _meta: modernMeta }) }));
    expect(plain.prelude).toMatchObject({ statusCode: 200, headers: { 'content-type': expect.stringMatching(/^application\/json/) } });
    expect(JSON.parse(plain.body).result.structuredContent).toMatchObject({ pong: true, era: 'modern' });
  });

  it('holds the rest of a large answer back while API Gateway is not reading, then sends all of it', async () => {
    const { streaming } = lambdaHandler({}, [flood]);
    const { output, done } = invokeStreaming(streaming, restEvent({ headers: json, body: rpc('tools/call', { name: 'flood', arguments: {}, _meta: { progressToken: 'p' } }) }));
    let ended = false;
    void done.then(() => (ended = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ended).toBe(false); // waiting for the reader, not buffering the rest in memory

    const { body } = await splitPrelude(output);
    let text = '';
    for await (const chunk of body) text += chunk;
    await done;
    expect(text.match(/notifications\/progress/g)).toHaveLength(4);
    expect(text).toContain('"text":"flooded"');
  });

  it.each([
    ['a malformed event', { ...restEvent({ headers: json, body: rpc('tools/list') }), httpMethod: 'TRACE' }, 400, -32600],
    ['invalid JSON', restEvent({ headers: json, body: '{' }), 400, -32700],
    ['a body over the limit', restEvent({ headers: json, body: rpc('tools/call', { name: 'echo', arguments: { message: 'x'.repeat(70_000) } }) }), 413, -32600],
    ['Content-Type text/plain', restEvent({ headers: { ...json, 'Content-Type': 'text/plain' }, body: rpc('tools/list') }), 415, -32000],
    ['a forbidden Host', restEvent({ headers: { ...json, Host: `evil.${HOST}` }, body: rpc('tools/list') }), 403, -32000],
    ['a 2025-era GET', restEvent({ method: 'GET', headers: { Accept: 'text/event-stream' } }), 405, -32000],
  ])('puts the 4xx of %s in the prelude, before the first byte of the body', async (_name, event, status, code) => {
    const answer = await invokeRaw(lambdaHandler({ MCP_MAX_BODY_BYTES: '65536' }).streaming, event);
    expect(answer.prelude).toMatchObject({ statusCode: status, headers: { 'content-type': expect.stringMatching(/^application\/json/) } });
    expect(JSON.parse(answer.body).error).toEqual({ code, message: expect.any(String) });
  });
});
