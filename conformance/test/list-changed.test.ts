/**
 * 2026-era change notifications through the fixtures' trigger hooks: `createMcpHandlerWithChanges`
 * puts the shared factory and the handler's `subscriptions/listen` streams on one bus, so a change a
 * server announces reaches an open listen stream that asked for it. A factory without a bus (Lambda)
 * advertises no list changes, and offers no trigger hook. (The fixture-free half is in
 * shared/test/list-changed.test.ts.)
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server';

import { createMcpHandlerWithChanges, createServerFactory, detectInstance, loadConfig } from '@mcp-on-aws/shared';

import { conformanceFixtures } from '../src/fixtures';

const base = { instance: detectInstance({}), config: loadConfig({}) };

/** A 2026-era v2 client talking to the handler in process (no port, no sockets), calling `onNotified` with each list change. */
async function connectModern(handler: McpHttpHandler, onNotified: (method: string) => void = () => {}): Promise<Client> {
  const client = new Client({ name: 'list-changed-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  for (const method of ['notifications/tools/list_changed', 'notifications/prompts/list_changed'] as const) {
    client.setNotificationHandler(method, () => onNotified(method));
  }
  const fetch = (url: string | URL, init?: RequestInit) => handler.fetch(new Request(url, init));
  await client.connect(new StreamableHTTPClientTransport(new URL('http://127.0.0.1/mcp'), { fetch }));
  return client;
}

describe('list-change notifications on subscriptions/listen', () => {
  let handler: McpHttpHandler;
  beforeEach(() => {
    handler = createMcpHandlerWithChanges({ ...base, extensions: [conformanceFixtures] });
  });
  afterEach(() => handler.close());

  it('advertise listChanged in server/discover where the handler holds listen streams', async () => {
    const client = await connectModern(handler);
    expect(client.getServerCapabilities()).toMatchObject({ tools: { listChanged: true }, prompts: { listChanged: true }, resources: { listChanged: true, subscribe: true } });
    await client.close();
  });

  it('deliver the change the trigger hook announces to a stream that asked for it, and only that kind', async () => {
    const notified: string[] = [];
    let firstArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
    const client = await connectModern(handler, (method) => {
      notified.push(method);
      firstArrived();
    });
    const subscription = await client.listen({ toolsListChanged: true });
    try {
      expect(subscription.honoredFilter).toMatchObject({ toolsListChanged: true });
      await client.callTool({ name: 'test_trigger_prompt_change', arguments: {} });
      await client.callTool({ name: 'test_trigger_tool_change', arguments: {} });
      await arrived;
      expect(notified).toEqual(['notifications/tools/list_changed']);
    } finally {
      await subscription.close();
      await client.close();
    }
  });

  it('are not advertised, nor their trigger hooks offered, by a factory without a bus', async () => {
    const bare = createMcpHandler(createServerFactory({ ...base, extensions: [conformanceFixtures] }));
    const client = await connectModern(bare);
    try {
      const capabilities = client.getServerCapabilities();
      expect(capabilities).toMatchObject({ tools: { listChanged: false }, prompts: { listChanged: false }, resources: { listChanged: false } });
      expect(capabilities?.resources).not.toHaveProperty('subscribe');
      expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('test_trigger_tool_change');
    } finally {
      await client.close();
      await bare.close();
    }
  });
});
