// First: the runtime's `awslambda` global, which src/main.ts uses as it loads, as on Lambda.
import { awslambda } from '../../local/lambda-runtime';
import { detectInstance, INSTANCE_URI, loadConfig, NO_INPUT_CHANNEL, type LogLine } from '@mcp-on-aws/shared';

import { connect, text } from '../../shared/test/support/clients';
import { raw } from '../../shared/test/support/raw-http';
import { createLambdaHandler } from '../src/main';
import { startLocalApi, type LocalApi } from '../../local/api-gateway';

let api: LocalApi;
beforeAll(async () => {
  const handler = createLambdaHandler({ config: loadConfig({}), instance: detectInstance({}), log: () => {} });
  api = await startLocalApi({ handler });
});
afterAll(() => api?.close());

describe.each(['legacy', 'modern'] as const)('a real v2 client through the local API Gateway, %s era', (era) => {
  it('lists the tools, the resource and the prompt', async () => {
    const client = await connect(api.url, era);
    try {
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['confirm_action', 'countdown', 'echo', 'ping']);
      expect((await client.listResources()).resources.map((r) => r.uri)).toEqual([INSTANCE_URI]);
      expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['explain_scaling']);
    } finally {
      await client.close();
    }
  });

  it('calls ping and echo', async () => {
    const client = await connect(api.url, era);
    try {
      const pong = await client.callTool({ name: 'ping', arguments: {} });
      expect(pong.structuredContent).toMatchObject({ pong: true, era, platform: 'local' });
      expect(pong.structuredContent).not.toHaveProperty('session');
      expect(text(await client.callTool({ name: 'echo', arguments: { message: 'héllo ✓' } }))).toBe('héllo ✓');
    } finally {
      await client.close();
    }
  });

  it('streams countdown progress live: the first step arrives at least 1 s before the result', async () => {
    const client = await connect(api.url, era);
    try {
      const arrivals: number[] = [];
      const started = Date.now();
      const result = await client.callTool({ name: 'countdown', arguments: { steps: 3, delayMs: 600 } }, { onprogress: () => void arrivals.push(Date.now() - started) });
      const finished = Date.now() - started;
      expect(text(result)).toBe('Lift-off after 3 steps');
      expect(arrivals).toHaveLength(3);
      // Streamed, step 1 arrives at ~600 ms and the result at ~1,800 ms; buffered, all of them at ~1,800 ms.
      expect(finished - arrivals[0]!).toBeGreaterThanOrEqual(1_000);
    } finally {
      await client.close();
    }
  });
});

describe('confirm_action on a stateless function', () => {
  it('completes a human-in-the-loop round trip with a 2026-era client (input_required, signed requestState)', async () => {
    const client = await connect(api.url, 'modern', { action: 'accept', content: { confirm: true } });
    try {
      const result = await client.callTool({ name: 'confirm_action', arguments: { action: 'delete the bucket' } });
      expect(client.elicitations).toEqual(['Confirm: delete the bucket?']);
      expect(text(result)).toBe('Done: "delete the bucket" was confirmed.');
    } finally {
      await client.close();
    }
  });

  it('reports a decline without doing the action', async () => {
    const client = await connect(api.url, 'modern', { action: 'decline' });
    try {
      expect(text(await client.callTool({ name: 'confirm_action', arguments: { action: 'x' } }))).toBe('Not done: "x" was not confirmed (decline).');
    } finally {
      await client.close();
    }
  });

  it('explains to a 2025-era client that it has no channel back to the user', async () => {
    const client = await connect(api.url, 'legacy', { action: 'accept', content: { confirm: true } });
    try {
      const result = await client.callTool({ name: 'confirm_action', arguments: { action: 'x' } });
      expect(result.isError).toBe(true);
      expect(text(result)).toBe(NO_INPUT_CHANNEL);
    } finally {
      await client.close();
    }
  });
});

describe('the local API Gateway edge', () => {
  it('answers outside the stage and the /mcp resource as API Gateway does', async () => {
    for (const path of ['/mcp', '/local/other']) {
      const response = await raw(new URL(path, api.url).href, { method: 'GET' });
      expect(response.status).toBe(403);
      expect(JSON.parse(response.text)).toEqual({ message: 'Missing Authentication Token' });
    }
  });

  it('hands the client SSE as text and the handler JSON-RPC errors as they are', async () => {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const ok = await raw(`${api.url}/mcp`, { headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'sse' } } }) });
    expect(ok.headers['content-type']).toBe('text/event-stream');
    expect(ok.text).toMatch(/^event: message\ndata: .*"text":"sse"/);
    const bad = await raw(`${api.url}/mcp`, { headers, body: '{' });
    expect([bad.status, bad.error?.code]).toEqual([400, -32700]);
    expect(bad.headers['x-amzn-requestid']).toEqual(expect.any(String));
  });

  it('ends the invocation when the client disconnects mid-stream, logs it once, with no unhandled error, and serves on', async () => {
    const failures: unknown[] = [];
    const onFailure = (error: unknown) => void failures.push(error);
    process.on('unhandledRejection', onFailure).on('uncaughtException', onFailure);
    const consoleError = jest.spyOn(console, 'error').mockImplementation(() => {});
    const lines: LogLine[] = [];
    const lambda = createLambdaHandler({ config: loadConfig({}), instance: detectInstance({}), log: (line) => void lines.push(line) });
    let invocationEnded!: () => void;
    const ended = new Promise<void>((resolve) => (invocationEnded = resolve));
    const local = await startLocalApi({ handler: awslambda.streamifyResponse(async (event, stream, context) => void (await lambda(event, stream, context), invocationEnded())) });
    try {
      const started = Date.now();
      const abort = new AbortController();
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'countdown', arguments: { steps: 3, delayMs: 600 }, _meta: { progressToken: 1 } } });
      const response = await fetch(`${local.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body, signal: abort.signal });
      const reader = response.body!.getReader();
      let received = '';
      while (!received.includes('notifications/progress')) received += new TextDecoder().decode((await reader.read()).value);
      abort.abort();
      await ended;
      // Step 2 would be written at ~1,200 ms and the countdown would end at ~1,800 ms: the invocation
      // ended at the disconnect, before either (a writer that noticed only at its next write would not).
      expect(Date.now() - started).toBeLessThan(1_150);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(failures).toEqual([]);
      expect(lines.filter((line) => line.method === 'tools/call')).toEqual([expect.objectContaining({ status: 200 })]);
      const next = await raw(`${local.url}/mcp`, { headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }) });
      expect(next.status).toBe(200);
    } finally {
      process.off('unhandledRejection', onFailure).off('uncaughtException', onFailure);
      consoleError.mockRestore();
      await local.close();
    }
  });

  it('answers 504 like API Gateway when the function runs past the integration timeout', async () => {
    const slow = await startLocalApi({ handler: awslambda.streamifyResponse(() => new Promise(() => {})), timeoutMs: 50 });
    try {
      const response = await raw(`${slow.url}/mcp`, { body: '{}' });
      expect([response.status, JSON.parse(response.text)]).toEqual([504, { message: 'Endpoint request timed out' }]);
    } finally {
      await slow.close();
    }
  });
});
