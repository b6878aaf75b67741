/**
 * Three real server processes behind a round-robin balancer, the local shape of the ALB and its
 * Fargate tasks. Stateless means any instance answers any call, and losing one loses nothing.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import { runClientCli } from '../../shared/test/support/client-cli';
import { connect, text } from '../../shared/test/support/clients';
import { startBalancer, type Balancer } from '../../local/balancer';
import { HAPROXY_ROUND_ROBIN, haproxyInstalled, startHaproxy } from '../../local/haproxy';
import { startServerProcesses, type ServerProcess } from '../../local/processes';

const entry = join(__dirname, '../src/main.ts');
const kinds: Array<'haproxy' | 'node'> = haproxyInstalled() ? ['haproxy', 'node'] : ['node'];
const eras = ['legacy', 'modern'] as const;

type Client = Awaited<ReturnType<typeof connect>>;

async function pingFrom(client: Client): Promise<string> {
  const result = await client.callTool({ name: 'ping', arguments: {} });
  return (result.structuredContent as { instance: string }).instance;
}

describe.each(kinds)('a stateless cluster behind %s', (kind) => {
  let servers: ServerProcess[] = [];
  let balancer: Balancer | undefined;
  let instances: string[] = [];

  beforeAll(async () => {
    // One requestState key for all three, as a deployment shares one: confirm_action's retry may land anywhere.
    servers = await startServerProcesses(3, entry, { MCP_SHUTDOWN_DEADLINE_MS: '2000', MCP_REQUEST_STATE_KEY: randomBytes(32).toString('base64') });
    const targets = servers.map((s) => s.url);
    balancer = kind === 'haproxy' ? await startHaproxy(HAPROXY_ROUND_ROBIN, targets) : await startBalancer({ targets });
    instances = await Promise.all(servers.map(async (s) => ((await (await fetch(`${s.url}/health`)).json()) as { instance: string }).instance));
  }, 60_000);

  afterAll(async () => {
    await balancer?.stop();
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
  });

  it.each(eras)('spreads %s-era calls over all three instances, and every call succeeds', async (era) => {
    const client = await connect(balancer!.url, era);
    try {
      const answered: string[] = [];
      for (let i = 0; i < 12; i++) {
        answered.push(await pingFrom(client));
        expect(text(await client.callTool({ name: 'echo', arguments: { message: `call ${i}` } }))).toBe(`call ${i}`);
      }
      expect(new Set(answered)).toEqual(new Set(instances));
    } finally {
      await client.close();
    }
  });

  it('shows the spread with the sample\'s client CLI, which exits 1 when fewer instances answer than expected', async () => {
    const cli = join(__dirname, '../client/cli.ts');
    // One after the other: a second client's calls in between would shift the round robin.
    const spread = await runClientCli(cli, `${balancer!.url}/mcp`, ['--pings=6', '--expect-instances=3', '--confirm=no']);
    const short = await runClientCli(cli, `${balancer!.url}/mcp`, ['--pings=2', '--expect-instances=3', '--confirm=no']);
    expect(spread.stdout).toContain('legacy 6 calls answered by 3 instance(s)');
    expect(spread.stdout).toContain('modern 6 calls answered by 3 instance(s)');
    expect(spread.stdout).toMatch(/^OK: legacy: 6 pings on 3 instance\(s\); modern: 6 pings on 3 instance\(s\)/m);
    expect(spread.code).toBe(0);
    expect(short.stdout).toMatch(/^FAIL: legacy: 2 pings reached [12] instance\(s\), expected at least 3: is the balancer round-robin, and are 3 tasks running\?$/m);
    expect(short.code).toBe(1);
  });

  it.each(eras)('keeps answering %s-era calls when an instance stops mid-run', async (era) => {
    const client = await connect(balancer!.url, era);
    const victim = servers.find((s) => s.child.exitCode === null)!;
    const victimId = instances[servers.indexOf(victim)];
    try {
      for (let i = 0; i < 4; i++) await pingFrom(client);
      expect(await victim.stop('SIGTERM')).toBe(0);

      const after: string[] = [];
      for (let i = 0; i < 12; i++) after.push(await pingFrom(client));
      expect(after).not.toContain(victimId);
      expect(new Set(after).size).toBe(servers.filter((s) => s.child.exitCode === null).length);
    } finally {
      await client.close();
    }
  });
});
