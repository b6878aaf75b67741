/**
 * Three real server processes behind a round-robin balancer, the local shape of the ALB and its
 * Fargate tasks. Stateless means any instance answers any call, and losing one loses nothing.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

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
    servers = await startServerProcesses(3, entry, { MCP_SHUTDOWN_DEADLINE_MS: '2000' });
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

  it('shows the spread with the README\'s ping-many client', async () => {
    const client = join(__dirname, '../client/ping-many.ts');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', client, `${balancer!.url}/mcp`, '6']);
    expect(stdout).toContain('legacy 6 calls answered by 3 instance(s)');
    expect(stdout).toContain('modern 6 calls answered by 3 instance(s)');
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
