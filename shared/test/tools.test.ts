import { createRequestStateCodec } from '@modelcontextprotocol/server';

import { confirmStateFor, COUNTER_URI, INSTANCE_URI, NO_INPUT_CHANNEL, STATE_MISMATCH, type ConfirmState } from '../src';
import { connect, text } from './support/clients';
import { startSessionful, startStateless } from './support/servers';

type Serving = Awaited<ReturnType<typeof startStateless>>;

describe.each(['legacy', 'modern'] as const)('shared tools over stateless HTTP, %s era', (era) => {
  let server: Serving;
  beforeAll(async () => {
    server = await startStateless();
  });
  afterAll(() => server.shutdown());

  it('lists the tools, resource and prompt, and no session counter', async () => {
    const client = await connect(server.url, era);
    const tools = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(tools).toEqual(['confirm_action', 'countdown', 'echo', 'ping']);
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual([INSTANCE_URI]);
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['explain_scaling']);
    await client.close();
  });

  it('ping names the instance, the era and no session', async () => {
    const client = await connect(server.url, era);
    const result = await client.callTool({ name: 'ping', arguments: {} });
    expect(result.structuredContent).toEqual({ pong: true, instance: `${require('node:os').hostname()}:${process.pid}`, platform: 'local', era, version: '0.1.0' });
    expect(JSON.parse(text(result))).toEqual(result.structuredContent);
    await client.close();
  });

  it('echo returns its input', async () => {
    const client = await connect(server.url, era);
    expect(text(await client.callTool({ name: 'echo', arguments: { message: 'héllo ✓' } }))).toBe('héllo ✓');
    await client.close();
  });

  it('countdown sends one progress notification per step', async () => {
    const client = await connect(server.url, era);
    const progress: number[] = [];
    const result = await client.callTool({ name: 'countdown', arguments: { steps: 4, delayMs: 5 } }, { onprogress: (p) => progress.push(p.progress) });
    expect(text(result)).toBe('Lift-off after 4 steps');
    expect(progress).toEqual([1, 2, 3, 4]);
    await client.close();
  });

  it.each([
    [{ steps: 0 }, 'steps=0'],
    [{ steps: 11 }, 'steps=11'],
    [{ steps: 2, delayMs: 60_000 }, 'delayMs=60000'],
    [{ steps: 2, delayMs: -1 }, 'delayMs=-1'],
  ])('countdown refuses %j with a tool error', async (args, named) => {
    const client = await connect(server.url, era);
    const result = await client.callTool({ name: 'countdown', arguments: args });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain(named);
    await client.close();
  });

  it('the instance resource and the prompt answer', async () => {
    const client = await connect(server.url, era);
    const resource = await client.readResource({ uri: INSTANCE_URI });
    expect(JSON.parse((resource.contents[0] as { text: string }).text)).toMatchObject({ platform: 'local', era, sessions: false });
    const prompt = await client.getPrompt({ name: 'explain_scaling', arguments: { deployment: 'lambda' } });
    expect(JSON.stringify(prompt.messages)).toContain('lambda MCP server');
    await client.close();
  });
});

describe('confirm_action', () => {
  let stateless: Serving;
  let sessionful: Awaited<ReturnType<typeof startSessionful>>;
  beforeAll(async () => {
    [stateless, sessionful] = await Promise.all([startStateless(), startSessionful()]);
  });
  afterAll(() => Promise.all([stateless.shutdown(), sessionful.shutdown()]));

  it('asks a 2026-era client through input_required and completes when it accepts', async () => {
    const client = await connect(stateless.url, 'modern', { action: 'accept', content: { confirm: true } });
    const result = await client.callTool({ name: 'confirm_action', arguments: { action: 'delete the bucket' } });
    expect(client.elicitations).toEqual(['Confirm: delete the bucket?']);
    expect(text(result)).toBe('Done: "delete the bucket" was confirmed.');
    await client.close();
  });

  it('reports a 2026-era decline without doing the action', async () => {
    const client = await connect(stateless.url, 'modern', { action: 'decline' });
    const result = await client.callTool({ name: 'confirm_action', arguments: { action: 'delete the bucket' } });
    expect(client.elicitations).toHaveLength(1);
    expect(text(result)).toBe('Not done: "delete the bucket" was not confirmed (decline).');
    await client.close();
  });

  it('treats an accepted but unchecked box as not confirmed', async () => {
    const client = await connect(stateless.url, 'modern', { action: 'accept', content: { confirm: false } });
    const result = await client.callTool({ name: 'confirm_action', arguments: { action: 'x' } });
    expect(text(result)).toBe('Not done: "x" was not confirmed (unchecked).');
    await client.close();
  });

  it('explains why it cannot work on a stateless 2025-era request', async () => {
    const client = await connect(stateless.url, 'legacy', { action: 'accept', content: { confirm: true } });
    const result = await client.callTool({ name: 'confirm_action', arguments: { action: 'x' } });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe(NO_INPUT_CHANNEL);
    expect(client.elicitations).toEqual([]);
    await client.close();
  });

  it.each([
    [{ action: 'accept', content: { confirm: true } } as const, 'Done: "rotate keys" was confirmed.'],
    [{ action: 'decline' } as const, 'Not done: "rotate keys" was not confirmed (decline).'],
  ])('works on a 2025-era session through the legacy shim (%j)', async (answer, expected) => {
    const client = await connect(sessionful.url, 'legacy', answer);
    const result = await client.callTool({ name: 'confirm_action', arguments: { action: 'rotate keys' } });
    expect(client.elicitations).toEqual(['Confirm: rotate keys?']);
    expect(text(result)).toBe(expected);
    await client.close();
  });

  /** Calls confirm_action raw on the 2026 era: no state asks, a state plus an accepted answer confirms. */
  const postConfirm = async (args: { action: string }, requestState?: string) => {
    const response = await fetch(`${stateless.url}/mcp`, {
      method: 'POST',
      headers: modernHeaders('tools/call', 'confirm_action'),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'confirm_action', arguments: args, _meta: { ...modernMeta, 'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } } }, ...(requestState && { requestState, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } }) },
      }),
    });
    return { status: response.status, body: (await response.json()) as { error?: { code: number }; result?: { requestState?: string; isError?: boolean; content?: Array<{ text: string }> } } };
  };
  const confirmRaw = async (args: { action: string }, requestState?: string) => {
    const { status, body } = await postConfirm(args, requestState);
    expect([status, body.error]).toEqual([200, undefined]);
    return body.result!;
  };

  it('rejects a tampered requestState before the tool runs', async () => {
    const { body } = await postConfirm({ action: 'x' }, 'v1.e30.AAAA');
    expect(body.error).toMatchObject({ code: -32602 });
    expect(JSON.stringify(body)).not.toContain('confirmed');
  });

  it('replays a minted state only on the call it was minted for', async () => {
    const { requestState } = await confirmRaw({ action: 'delete the bucket' });
    expect(await confirmRaw({ action: 'delete the bucket' }, requestState)).toMatchObject({ content: [{ text: 'Done: "delete the bucket" was confirmed.' }] });
    expect(await confirmRaw({ action: 'delete another bucket' }, requestState)).toMatchObject({ isError: true, content: [{ text: STATE_MISMATCH }] });
  });

  it.each([
    ['another tool', confirmStateFor('other_tool', { action: 'x' }, undefined)],
    ['another session', confirmStateFor('confirm_action', { action: 'x' }, 'some-session')],
  ])('refuses a validly signed state minted for %s', async (_, state) => {
    const codec = createRequestStateCodec<ConfirmState>({ key: stateless.config.requestStateKey, ttlSeconds: 60 });
    const minted = await codec.mint(state, {} as never);
    expect(await confirmRaw({ action: 'x' }, minted)).toMatchObject({ isError: true, content: [{ text: STATE_MISMATCH }] });
  });
});

describe('session counter', () => {
  let server: Awaited<ReturnType<typeof startSessionful>>;
  beforeAll(async () => {
    server = await startSessionful();
  });
  afterAll(() => server.shutdown());

  it('exists only where sessions exist, counts per session and announces updates', async () => {
    const a = await connect(server.url, 'legacy');
    const b = await connect(server.url, 'legacy');
    expect((await a.listTools()).tools.map((t) => t.name)).toContain('increment_counter');
    const updates: string[] = [];
    a.setNotificationHandler('notifications/resources/updated', (n) => void updates.push(n.params.uri));
    await a.subscribeResource({ uri: COUNTER_URI });
    for (let i = 1; i <= 3; i++) expect(text(await a.callTool({ name: 'increment_counter', arguments: {} }))).toBe(String(i));
    expect(text(await b.callTool({ name: 'increment_counter', arguments: {} }))).toBe('1');
    const read = await a.readResource({ uri: COUNTER_URI });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toEqual({ value: 3 });
    expect(updates).toEqual([COUNTER_URI, COUNTER_URI, COUNTER_URI]);
    await Promise.all([a.close(), b.close()]);
  });
});

export const modernMeta = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

export function modernHeaders(method: string, name?: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': method,
    ...(name && { 'mcp-name': name }),
  };
}
