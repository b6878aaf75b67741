/**
 * Stateless serving reuses a server for the next request of its era (`src/server-pool.ts`). What
 * one request leaves on a server must never reach the next: these tests drive the handler the
 * samples use, through `handler.fetch`, and count the servers built with an extension that also
 * offers the probes (a tool that logs, one that reads the client's identity, one that ignores a
 * cancellation).
 */
import type { AuthInfo, McpHttpHandler } from '@modelcontextprotocol/server';
import { setTimeout as sleep } from 'node:timers/promises';

import { createMcpHandlerWithChanges, createServerFactory, detectInstance, loadConfig, MemoryCounter, STATE_MISMATCH, type ServerExtension } from '../src';

const base = { instance: detectInstance({}), config: loadConfig({}) };

/** Counts the servers built, and adds the probes. */
function probes(): ServerExtension & { built: number } {
  return {
    built: 0,
    register(server) {
      this.built++;
      server.registerTool('log_info', { description: 'Logs one line at info.' }, async (ctx) => {
        await ctx.mcpReq.log('info', 'heard');
        return { content: [{ type: 'text', text: 'logged' }] };
      });
      server.registerTool('client_name', { description: 'The client name this server knows from initialize.' }, () => ({
        content: [{ type: 'text', text: server.server.getClientVersion()?.name ?? 'none' }],
      }));
      // Ignores its cancellation, as a careless tool would, and reports progress after it.
      server.registerTool('stubborn', { description: 'Waits 150 ms, reports progress, answers.' }, async (ctx) => {
        await sleep(150);
        const progressToken = ctx.mcpReq._meta?.progressToken;
        if (progressToken !== undefined) await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: 1, total: 1 } });
        return { content: [{ type: 'text', text: 'stubborn done' }] };
      });
    },
  };
}

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'reuse-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
};

interface Call {
  era: 'legacy' | 'modern';
  method: string;
  params?: Record<string, unknown>;
  authInfo?: AuthInfo;
  signal?: AbortSignal;
}

/** One POST through the handler; the JSON-RPC messages of its answer, JSON or SSE. */
async function post(handler: McpHttpHandler, { era, method, params = {}, authInfo, signal }: Call): Promise<Array<Record<string, any>>> {
  const modern = era === 'modern';
  const name = method === 'tools/call' ? (params.name as string) : undefined;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (modern) Object.assign(headers, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method }, name && { 'mcp-name': name });
  const withMeta = modern ? { ...params, _meta: { ...MODERN_META, ...(params._meta as object) } } : params;
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: withMeta });
  const response = await handler.fetch(new Request('http://127.0.0.1/mcp', { method: 'POST', headers, body, signal }), authInfo ? { authInfo } : undefined);
  const text = await response.text();
  if (text.startsWith('{')) return [JSON.parse(text)];
  return [...text.matchAll(/^data: (.+)$/gm)].map((match) => JSON.parse(match[1]!));
}

const call = (handler: McpHttpHandler, era: Call['era'], name: string, args: Record<string, unknown> = {}, { params, ...more }: Partial<Call> = {}) =>
  post(handler, { era, method: 'tools/call', params: { name, arguments: args, ...params }, ...more });
const resultOf = (messages: Array<Record<string, any>>) => messages.find((m) => 'result' in m || 'error' in m)!;
const textOf = (messages: Array<Record<string, any>>) => resultOf(messages).result?.content?.[0]?.text as string;
const progressOf = (messages: Array<Record<string, any>>) => messages.filter((m) => m.method === 'notifications/progress').map((m) => m.params.progressToken);

const alice: AuthInfo = { token: 't-alice', clientId: 'app', scopes: [], extra: { issuer: 'https://issuer.example', subject: 'alice' } };
const bob: AuthInfo = { token: 't-bob', clientId: 'app', scopes: [], extra: { issuer: 'https://issuer.example', subject: 'bob' } };

describe('servers reused across stateless requests', () => {
  let extension: ReturnType<typeof probes>;
  let handler: McpHttpHandler;

  beforeEach(() => {
    extension = probes();
    handler = createMcpHandlerWithChanges({ ...base, extensions: [extension] });
  });
  afterEach(() => handler.close());

  it.each(['legacy', 'modern'] as const)('serves one request after another on one server (%s era)', async (era) => {
    for (let i = 0; i < 5; i++) expect(textOf(await call(handler, era, 'echo', { message: `hello ${i}` }))).toBe(`hello ${i}`);
    expect((await post(handler, { era, method: 'tools/list' }))[0]!.result.tools.map((t: { name: string }) => t.name)).toContain('echo');
    expect(extension.built).toBe(1);
  });

  it('does not carry a 2025-era log level to the next request', async () => {
    expect(textOf(await call(handler, 'legacy', 'log_info'))).toBe('logged');
    expect(resultOf(await post(handler, { era: 'legacy', method: 'logging/setLevel', params: { level: 'emergency' } })).result).toEqual({});
    const after = await call(handler, 'legacy', 'log_info');
    expect(after.filter((m) => m.method === 'notifications/message').map((m) => m.params.data)).toEqual(['heard']);
  });

  it('does not carry the client identity of a stateless initialize to the next request', async () => {
    const initialize = { protocolVersion: '2025-11-25', capabilities: { elicitation: {} }, clientInfo: { name: 'first-client', version: '1' } };
    expect(resultOf(await post(handler, { era: 'legacy', method: 'initialize', params: initialize })).result.serverInfo.name).toBe('mcp-on-aws');
    expect(textOf(await call(handler, 'legacy', 'client_name'))).toBe('none');
  });

  it.each(['legacy', 'modern'] as const)("shows each request's own subject in ping (%s era)", async (era) => {
    const subject = async (authInfo?: AuthInfo) => resultOf(await call(handler, era, 'ping', {}, { authInfo })).result.structuredContent.subject;
    expect(await subject(alice)).toBe('alice');
    expect(await subject()).toBeUndefined();
    expect(await subject(bob)).toBe('bob');
    expect(extension.built).toBe(1);
  });

  it("binds a confirmation to its own caller on a reused server (the request-state codec's inputs)", async () => {
    const asked = resultOf(await call(handler, 'modern', 'confirm_action', { action: 'deploy' }, { authInfo: alice })).result;
    expect(asked.resultType).toBe('input_required');
    const retry = (authInfo: AuthInfo) =>
      call(handler, 'modern', 'confirm_action', { action: 'deploy' }, {
        authInfo,
        params: { requestState: asked.requestState, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } },
      });
    expect(textOf(await retry(bob))).toBe(STATE_MISMATCH);
    expect(textOf(await retry(alice))).toBe('Done: "deploy" was confirmed.');
    expect(extension.built).toBe(1);
  });

  it.each(['legacy', 'modern'] as const)('sends progress only for the progress token of its own request, in parallel too (%s era)', async (era) => {
    const countdown = (progressToken?: string) => call(handler, era, 'countdown', { steps: 2, delayMs: 20 }, { params: progressToken ? { _meta: { progressToken } } : {} });
    const [a, b] = await Promise.all([countdown('a'), countdown('b')]);
    expect(progressOf(a)).toEqual(['a', 'a']);
    expect(progressOf(b)).toEqual(['b', 'b']);
    expect(progressOf(await countdown())).toEqual([]);
    expect(extension.built).toBe(2);
  });

  it.each(['legacy', 'modern'] as const)('answers many requests at once, each with its own answer (%s era)', async (era) => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call(handler, era, 'echo', { message: `m${i}` })));
    expect(answers.map(textOf)).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`));
    const again = await Promise.all(Array.from({ length: 40 }, (_, i) => call(handler, era, 'echo', { message: `n${i}` })));
    expect(again.map(textOf)).toEqual(Array.from({ length: 40 }, (_, i) => `n${i}`));
    // The second wave found the first wave's servers idle, up to the pool's bound.
    expect(extension.built).toBeLessThan(80);
  });

  it.each(['legacy', 'modern'] as const)('leaves nothing of a request its client abandoned to the next one (%s era)', async (era) => {
    const abandoned = new AbortController();
    const first = call(handler, era, 'stubborn', {}, { signal: abandoned.signal, params: { _meta: { progressToken: 'gone' } } }).catch(() => []);
    await sleep(30);
    abandoned.abort();
    await first;
    // The abandoned handler is still running, and reports its progress while this one runs.
    const next = await call(handler, era, 'stubborn', {}, { params: { _meta: { progressToken: 'next' } } });
    expect(textOf(next)).toBe('stubborn done');
    expect(progressOf(next)).toEqual(['next']);
    expect(extension.built).toBe(2);
  });
});

describe('servers of sessions', () => {
  it('are never reused: a session counter lives on its own server', () => {
    expect(() => createServerFactory({ ...base, counter: new MemoryCounter(), reuse: true })).toThrow(/never reused/);
  });
});
