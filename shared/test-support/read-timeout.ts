import { setTimeout as sleep } from 'node:timers/promises';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import * as z from 'zod/v4';

import type { ServerExtension } from '@mcp-on-aws/shared';

import { HAPROXY_ROUND_ROBIN, haproxyInstalled, startHaproxy } from '../../local/haproxy';

/** The stand-in for CloudFront's origin read timeout: HAProxy's `timeout server`, scaled down. */
const READ_TIMEOUT_MS = 1_500;
/** Each stream and call below stays quiet for twice the read timeout. */
const HELD_MS = 2 * READ_TIMEOUT_MS;
/** What the server under test is told: a quarter of the read timeout, as 15 s is of CloudFront's 60 s. */
export const READ_TIMEOUT_ENV = { MCP_SSE_KEEPALIVE_MS: String(READ_TIMEOUT_MS / 4) };

/**
 * Test-only tools, kept out of the public list: one that sleeps without a word, and one that
 * announces a tool-list change on the deployment's bus (where there is one).
 */
export const quietTools: ServerExtension = {
  register(server, { changes }) {
    server.registerTool('sleep_silently', { description: 'Sleeps ms milliseconds and sends nothing meanwhile.', inputSchema: z.object({ ms: z.number().int().min(0).max(10_000) }) }, async ({ ms }) => {
      await sleep(ms);
      return { content: [{ type: 'text', text: `slept ${ms} ms` }] };
    });
    if (changes) {
      server.registerTool('announce_tools_changed', { description: 'Publishes a tools-list change.' }, () => {
        changes.publish({ kind: 'tools_list_changed' });
        return { content: [{ type: 'text', text: 'announced' }] };
      });
    }
  },
};

export interface QuietServer {
  mcp: string;
  shutdown(): Promise<void>;
}

/**
 * CloudFront ends a response whose origin stays silent past its read timeout. HAProxy with
 * `timeout server` set to a read timeout stands in for it, in front of `start`'s server. Every
 * stream the server holds, and every silent call answered as a stream, must outlast it: the
 * keep-alive comments (`MCP_SSE_KEEPALIVE_MS`) come well inside it.
 */
export function describeStreamsOutlastReadTimeout(sample: string, start: (env: NodeJS.ProcessEnv, extensions: ServerExtension[]) => Promise<QuietServer>, { getStream }: { getStream: boolean }): void {
  const describeIf = haproxyInstalled() ? describe : describe.skip;
  if (!haproxyInstalled()) process.stdout.write('notice: HAProxy is not installed; the read-timeout tests are skipped (apt-get install haproxy)\n');

  describeIf(`${sample} behind an idle cut of ${READ_TIMEOUT_MS} ms (HAProxy standing in for CloudFront's read timeout)`, () => {
    let server: QuietServer;
    let front: Awaited<ReturnType<typeof startHaproxy>>;
    beforeAll(async () => {
      server = await start(READ_TIMEOUT_ENV, [quietTools]);
      const origin = new URL(server.mcp).origin;
      front = await startHaproxy(HAPROXY_ROUND_ROBIN, [origin, origin, origin], { readTimeout: `${READ_TIMEOUT_MS}ms` });
    });
    afterAll(async () => {
      await front?.stop();
      await server?.shutdown();
    });

    /** A v2 client through HAProxy that counts its requests by method, GET streams included. */
    async function connect(era: 'legacy' | 'modern') {
      const requests: string[] = [];
      const counting = (url: string | URL | Request, init?: RequestInit) => {
        const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as { method?: string }) : undefined;
        requests.push(init?.method === 'GET' ? 'GET' : (body?.method ?? 'response'));
        return fetch(url, init);
      };
      const client = new Client({ name: 'read-timeout-test', version: '1.0.0' }, { versionNegotiation: { mode: era === 'modern' ? 'auto' : 'legacy' } });
      let toolsChanged = 0;
      client.setNotificationHandler('notifications/tools/list_changed', () => void toolsChanged++);
      await client.connect(new StreamableHTTPClientTransport(new URL(`${front.url}/mcp`), { fetch: counting }));
      return { client, requests, changes: () => toolsChanged };
    }

    it('answers a 2025-era call that stays silent for twice the read timeout: its SSE answer carries keep-alives', async () => {
      const { client, requests } = await connect('legacy');
      try {
        const result = await client.callTool({ name: 'sleep_silently', arguments: { ms: HELD_MS } });
        expect(result.content).toEqual([{ type: 'text', text: `slept ${HELD_MS} ms` }]);
        expect(requests.filter((m) => m === 'tools/call')).toHaveLength(1);
      } finally {
        await client.close();
      }
    }, 20_000);

    it('keeps a 2026-era subscriptions/listen stream open for twice the read timeout, and delivers on it after', async () => {
      const { client, requests, changes } = await connect('modern');
      const subscription = await client.listen({ toolsListChanged: true });
      try {
        await sleep(HELD_MS);
        await client.callTool({ name: 'announce_tools_changed', arguments: {} });
        await waitFor(() => changes() > 0);
        expect(requests.filter((m) => m === 'subscriptions/listen')).toHaveLength(1); // the client never re-listens by itself
      } finally {
        await subscription.close();
        await client.close();
      }
    }, 20_000);

    if (getStream) it('keeps a 2025-era GET stream open for twice the read timeout, and delivers on it after', async () => {
      const { client, requests, changes } = await connect('legacy');
      try {
        await waitFor(() => requests.includes('GET'));
        await sleep(HELD_MS);
        // The session's first increment lists read_counter: tools/list_changed, on the GET stream.
        await client.callTool({ name: 'increment_counter', arguments: {} });
        await waitFor(() => changes() > 0);
        expect(requests.filter((m) => m === 'GET')).toHaveLength(1); // a cut stream is reopened: a second GET
      } finally {
        await client.close();
      }
    }, 20_000);
  });
}

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !check(); await sleep(20)) {
    if (Date.now() > end) throw new Error('condition not met in time');
  }
}
