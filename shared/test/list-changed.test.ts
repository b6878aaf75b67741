/**
 * 2026-era change notifications: `createMcpHandlerWithChanges` puts the shared factory and the
 * handler's `subscriptions/listen` streams on one bus. What reaches a listen stream is tested with
 * the conformance fixtures' trigger hooks, in conformance/test/list-changed.test.ts; here, who is
 * told that list changes exist at all.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

import { createMcpHandlerWithChanges, detectInstance, loadConfig } from '../src';

const base = { instance: detectInstance({}), config: loadConfig({}) };

describe('list-change notifications on subscriptions/listen', () => {
  it('are advertised in server/discover where the handler holds listen streams', async () => {
    const handler = createMcpHandlerWithChanges(base);
    const client = new Client({ name: 'list-changed-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    const fetch = (url: string | URL, init?: RequestInit) => handler.fetch(new Request(url, init));
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL('http://127.0.0.1/mcp'), { fetch }));
      const capabilities = client.getServerCapabilities();
      expect(capabilities).toMatchObject({ tools: { listChanged: true }, prompts: { listChanged: true }, resources: { listChanged: true } });
      // Nothing here takes a subscription: no session counter, no subscribable extension.
      expect(capabilities?.resources).not.toHaveProperty('subscribe');
    } finally {
      await client.close();
      await handler.close();
    }
  });

  it('are not advertised to a stateless 2025-era client, which has no stream to hear them on', async () => {
    const stateless = createMcpHandlerWithChanges(base);
    const client = new Client({ name: 'list-changed-test', version: '1.0.0' });
    const fetch = (url: string | URL, init?: RequestInit) => stateless.fetch(new Request(url, init));
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL('http://127.0.0.1/mcp'), { fetch }));
      const capabilities = client.getServerCapabilities();
      expect(capabilities).toMatchObject({ tools: { listChanged: false }, prompts: { listChanged: false }, resources: { listChanged: false } });
      expect(capabilities?.resources).not.toHaveProperty('subscribe');
    } finally {
      await client.close();
      await stateless.close();
    }
  });
});
