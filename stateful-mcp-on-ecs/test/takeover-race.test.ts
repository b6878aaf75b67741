/**
 * The takeover race as an ALB makes it: the instance holding a session dies, and the client's
 * concurrent requests (two calls and its GET-stream reconnect), all still carrying the dead
 * instance's AWSALB cookie, are re-stuck to the two survivors at once. Both look the session up;
 * exactly one takes it over, the other answers 503 without touching it, and the unchanged cookie
 * client retries until its cookie and the session meet on one instance.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { COUNTER_URI } from '@mcp-on-aws/shared';

import { StickyClient } from '../client/sticky-client';
import { OWNER_GRACE_MS } from '../src/durable/registry';
import { META, pk } from '../src/durable/table';
import { startDurableCluster, stickyKinds, type DurableCluster } from './support/cluster';
import { until } from './support/stateful';

const pidOf = (instance: string) => Number(instance.split(':').pop());

describe.each(stickyKinds)('two survivors racing for a dead instance\'s session, through the %s sticky balancer', (kind) => {
  let cluster: DurableCluster;
  beforeAll(async () => void (cluster = await startDurableCluster(kind)), 30_000);
  afterAll(() => cluster?.stop());

  it('gives the session one owner, answers every call in the same session, and loses no event', async () => {
    // The GET-stream reconnect is held back, so that it leaves together with the two calls.
    let holding = false;
    let held: (() => void) | undefined;
    const cookies: string[] = [];
    const statuses: number[] = [];
    const updates: string[] = [];
    const client = await StickyClient.connect({
      url: cluster.mcp,
      onResourceUpdated: (uri) => void updates.push(uri),
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        cookies.push(...response.headers.getSetCookie().map((c) => c.split(';')[0]!));
        statuses.push(response.status);
        return response;
      },
      reconnectionScheduler: (reconnect, delay) => {
        const timer = setTimeout(() => (holding ? (held = reconnect) : reconnect()), delay);
        return () => clearTimeout(timer);
      },
    });
    try {
      await client.subscribe(COUNTER_URI);
      for (let n = 1; n <= 5; n++) expect((await client.callTool({ name: 'increment_counter', arguments: {} })).structuredContent).toEqual({ value: n });
      await until(() => updates.length === 5, 15_000);
      const before = (await client.callTool({ name: 'ping', arguments: {} })).structuredContent as { instance: string; session: string };
      const deadCookie = await client.stickinessCookie();
      // An ALB re-routes only after two failed health checks (20 s): by then the dead owner's grace has long passed.
      await new Promise((resolve) => setTimeout(resolve, OWNER_GRACE_MS));

      holding = true;
      await cluster.servers.find((s) => s.child.pid === pidOf(before.instance))!.stop('SIGKILL');
      await until(() => held !== undefined, 15_000);
      cookies.length = 0;
      statuses.length = 0;
      const race = Promise.all([client.callTool({ name: 'increment_counter', arguments: {} }), client.callTool({ name: 'increment_counter', arguments: {} })]);
      holding = false;
      held!();
      const values = (await race).map((r) => (r.structuredContent as { value: number }).value);
      expect(values.sort()).toEqual([6, 7]);
      // The balancer spread the stale-cookie requests over both survivors, as the ALB does, and one of them declined.
      expect(new Set(cookies.filter((c) => c !== `AWSALB=${deadCookie}`)).size).toBe(2);
      expect(statuses).toContain(503);

      for (let n = 8; n <= 9; n++) expect((await client.callTool({ name: 'increment_counter', arguments: {} })).structuredContent).toEqual({ value: n });
      const after = (await client.callTool({ name: 'ping', arguments: {} })).structuredContent as { instance: string; session: string };
      expect(after.session).toBe(before.session);
      expect(client.reinitializations).toBe(0);
      const { Item } = await cluster.table.doc.send(new GetCommand({ TableName: cluster.table.name, Key: { pk: pk(client.sessionId!), sk: META }, ConsistentRead: true }));
      expect(Item?.owner).toBe(after.instance);
      expect(Item?.counter).toBe(9);

      // Every update arrives exactly once, live or replayed after Last-Event-ID, and all nine are stored.
      await until(() => updates.length >= 9, 20_000);
      expect(updates).toEqual(Array(9).fill(COUNTER_URI));
      const stored = Object.entries(Item!).filter(([k]) => /^e\d+$/.test(k)).map(([, v]) => JSON.parse((v as { m: string }).m) as { method: string });
      expect(stored.filter((m) => m.method === 'notifications/resources/updated')).toHaveLength(9);
    } finally {
      await client.close();
    }
  }, 60_000);
});
