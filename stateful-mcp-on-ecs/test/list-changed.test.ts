/**
 * A tool list that changes during a 2025-era session: `read_counter` joins a session's list once
 * its counter is above zero, and the server says so with `notifications/tools/list_changed` on the
 * session's GET stream. A real v2 client sees the notification and re-lists on its own.
 */
import { Client, StreamableHTTPClientTransport, type Tool } from '@modelcontextprotocol/client';

import { startStateful, text, until } from './support/stateful';

let server: Awaited<ReturnType<typeof startStateful>>;
beforeAll(async () => {
  server = await startStateful();
});
afterAll(() => server?.shutdown());

/** A 2025-era client that records every `notifications/tools/list_changed` and the list it re-fetched. */
async function connectWatching(): Promise<{ client: Client; changes: string[][] }> {
  const changes: string[][] = [];
  const onChanged = (error: Error | null, tools: Tool[] | null) => void changes.push(error ? [`error: ${error.message}`] : (tools ?? []).map((t) => t.name));
  const client = new Client({ name: 'list-changed-test', version: '1.0.0' }, { listChanged: { tools: { onChanged, debounceMs: 0 } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.mcp)));
  return { client, changes };
}

const names = async (client: Client) => (await client.listTools()).tools.map((t) => t.name);

describe('tools/list_changed on a 2025-era session', () => {
  it('announces read_counter once the counter is above zero, and the client re-lists to find it', async () => {
    const { client, changes } = await connectWatching();
    try {
      expect(client.getServerCapabilities()?.tools?.listChanged).toBe(true);
      expect(await names(client)).not.toContain('read_counter');

      expect(text(await client.callTool({ name: 'increment_counter', arguments: {} }))).toBe('1');
      await until(() => changes.length > 0);
      expect(changes).toEqual([expect.arrayContaining(['increment_counter', 'read_counter'])]);
      expect(await names(client)).toContain('read_counter');
      expect((await client.callTool({ name: 'read_counter', arguments: {} })).structuredContent).toEqual({ value: 1 });

      // Already listed: later increments change the counter, not the list.
      await client.callTool({ name: 'increment_counter', arguments: {} });
      expect((await client.callTool({ name: 'read_counter', arguments: {} })).structuredContent).toEqual({ value: 2 });
      expect(changes).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('changes only the list of the session whose counter moved', async () => {
    const counting = await connectWatching();
    const other = await connectWatching();
    try {
      await counting.client.callTool({ name: 'increment_counter', arguments: {} });
      await until(() => counting.changes.length > 0);
      expect(await names(other.client)).not.toContain('read_counter');
      await expect(other.client.callTool({ name: 'read_counter', arguments: {} })).rejects.toThrow(/read_counter disabled/);
      expect(other.changes).toEqual([]);
    } finally {
      await Promise.all([counting.client.close(), other.client.close()]);
    }
  });
});
