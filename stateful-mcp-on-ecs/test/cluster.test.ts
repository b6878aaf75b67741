import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

import { Client, SdkHttpError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { COUNTER_URI, sessionTag } from '@mcp-on-aws/shared';

import { StickyClient } from '../client/sticky-client';
import { startCluster, stickyKinds, type Cluster } from './support/cluster';
import { text, until } from './support/stateful';

const ping = async (client: StickyClient) => (await client.callTool({ name: 'ping', arguments: {} })).structuredContent as { instance: string; session: string };
const increment = async (client: StickyClient) => text(await client.callTool({ name: 'increment_counter', arguments: {} }));

describe.each(stickyKinds)('three stateful instances behind the %s sticky balancer', (kind) => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(kind);
  }, 30_000);
  afterAll(() => cluster?.stop());

  it('keeps a cookie-keeping client on one instance: counter 1..N, elicitation and GET-stream updates arrive', async () => {
    const updates: string[] = [];
    const elicited: string[] = [];
    const client = await StickyClient.connect({
      url: cluster.mcp,
      onResourceUpdated: (uri) => void updates.push(uri),
      elicit: async (message) => (elicited.push(message), { action: 'accept', content: { confirm: true } }),
    });
    try {
      expect(await client.stickinessCookie()).toEqual(expect.any(String));
      const instances = new Set<string>();
      for (let i = 0; i < 6; i++) instances.add((await ping(client)).instance);
      expect(instances.size).toBe(1);

      await client.subscribe(COUNTER_URI);
      const values: string[] = [];
      for (let i = 0; i < 10; i++) values.push(await increment(client));
      expect(values).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
      await until(() => updates.length === 10);

      expect(text(await client.callTool({ name: 'confirm_action', arguments: { action: 'scale in' } }))).toBe('Done: "scale in" was confirmed.');
      expect(elicited).toEqual(['Confirm: scale in?']);
      expect(client.reinitializations).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('fails a plain SDK client, which keeps no cookies: its second request lands elsewhere and gets 404', async () => {
    const client = new Client({ name: 'plain', version: '1.0.0' });
    const error = await client.connect(new StreamableHTTPClientTransport(new URL(cluster.mcp))).then(
      () => undefined,
      (e: unknown) => e,
    );
    // initialize reached one instance; notifications/initialized was balanced to another one.
    expect(error).toBeInstanceOf(SdkHttpError);
    expect((error as SdkHttpError).status).toBe(404);
    expect((error as Error).message).toContain('"code":-32001');
    await client.close();
  });

  it('runs the client CLI against the balancer, which checks what it gets and exits 0', async () => {
    const cli = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../client/cli.ts'), '--confirm=no', '--pings=4', '--increments=3'], {
      env: { ...process.env, MCP_SERVER_URL: cluster.mcp },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    cli.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const [code] = await once(cli, 'exit');
      expect(output).toMatch(/^ping 4: instance /m);
      expect(output).toContain('confirm_action: Not done: "restart the demo" was not confirmed (unchecked).');
      expect(output).toMatch(/^OK: 4 pings on [^,]+, counter 1\.\.3, 3 updates, countdown 3\/3, 0 re-initializations$/m);
      expect(code).toBe(0);
    } finally {
      cli.kill('SIGKILL');
    }
  });

  it('serves 50 concurrent clients x 20 calls across the three instances, each with its own counter', async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => StickyClient.connect({ url: cluster.mcp })));
    try {
      const seen = await Promise.all(
        clients.map(async (client) => {
          const values: string[] = [];
          for (let i = 0; i < 19; i++) values.push(await increment(client));
          const { instance, session } = await ping(client);
          return { values, instance, session, own: sessionTag(client.sessionId) };
        }),
      );
      const expected = Array.from({ length: 19 }, (_, i) => String(i + 1));
      for (const s of seen) {
        expect(s.values).toEqual(expected);
        expect(s.session).toBe(s.own);
      }
      expect(new Set(seen.map((s) => s.instance)).size).toBe(3);
      expect(clients.every((c) => c.reinitializations === 0)).toBe(true);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  }, 60_000);

  it('re-initializes on another instance when the one holding the session dies, and carries on', async () => {
    const said: string[] = [];
    const client = await StickyClient.connect({ url: cluster.mcp, say: (line) => void said.push(line) });
    try {
      expect(await increment(client)).toBe('1');
      expect(await increment(client)).toBe('2');
      const before = await ping(client);
      const holder = cluster.servers.find((s) => s.child.pid === Number(before.instance.split(':').pop()))!;
      expect(holder).toBeDefined();
      await holder.stop('SIGKILL');

      const after = await ping(client);
      expect(after.instance).not.toBe(before.instance);
      expect(after.session).not.toBe(before.session);
      expect(client.reinitializations).toBe(1);
      // A request racing the kill may first get a 502 from the balancer, which the client retries.
      expect(said.at(-1)).toBe(`session ${before.session} is gone (404); re-initialized as ${after.session}`);
      for (const line of said.slice(0, -1)) expect(line).toMatch(/^HTTP 50[234] \(load balancer or session cap\); retrying in \d+ ms$/);
      // In-memory state died with the instance: the counter starts again (durable sessions fix this).
      expect(await increment(client)).toBe('1');
      expect((await ping(client)).instance).toBe(after.instance);
    } finally {
      await client.close();
    }
  });
});
