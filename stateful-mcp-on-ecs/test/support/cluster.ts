import { join } from 'node:path';

import { startBalancer, type Balancer } from '../../../local/balancer';
import { startDynalite } from '../../../local/dynalite';
import { HAPROXY_ROUND_ROBIN, HAPROXY_STICKY, haproxyInstalled, startHaproxy } from '../../../local/haproxy';
import { startServerProcesses, type ServerProcess } from '../../../local/processes';
import { createLocalTable, sessionTable, type SessionTable } from '../../src/durable/table';

export const SERVER_ENTRY = join(__dirname, '../../src/main.ts');

export type StickyKind = 'node' | 'haproxy';

/** The local sticky balancer always; HAProxy too when it is installed (CI installs it). */
export const stickyKinds: StickyKind[] = haproxyInstalled() ? ['node', 'haproxy'] : ['node'];
if (!haproxyInstalled()) process.stdout.write('notice: haproxy is not installed; the HAProxy cluster tests are skipped\n');

export interface Cluster {
  servers: ServerProcess[];
  balancer: Pick<Balancer, 'url' | 'stop'>;
  mcp: string;
  stop(): Promise<void>;
}

/** Three stateful server processes on ephemeral loopback ports behind a cookie-sticky balancer (or a plain round-robin one). */
export async function startCluster(kind: StickyKind, env: NodeJS.ProcessEnv = {}, { sticky = true } = {}): Promise<Cluster> {
  const servers = await startServerProcesses(3, SERVER_ENTRY, env);
  const urls = servers.map((s) => s.url);
  try {
    const balancer = kind === 'node' ? await startBalancer({ targets: urls, sticky, healthIntervalMs: 200 }) : await startHaproxy(sticky ? HAPROXY_STICKY : HAPROXY_ROUND_ROBIN, urls);
    return {
      servers,
      balancer,
      mcp: `${balancer.url}/mcp`,
      stop: async () => {
        await balancer.stop();
        await Promise.all(servers.map((s) => s.stop('SIGKILL')));
      },
    };
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    throw error;
  }
}

export interface DurableCluster extends Cluster {
  /** The session table the instances share, for a test to look at what they stored. */
  table: SessionTable;
}

/**
 * The cluster with durable sessions: three instances behind a sticky balancer, sharing one
 * dynalite in this process. A 1 s keep-alive flushes a new GET stream's headers promptly, and is
 * how often an open GET stream checks that its instance still owns the session.
 *
 * `sharedKey`: every instance gets the same `MCP_REQUEST_STATE_KEY`, as a deployment and `npm
 * start` do, which turns forwarding on (without it each process generates its own, and a session
 * held elsewhere is taken over after its grace). `sticky: false`: a round-robin balancer instead.
 */
export async function startDurableCluster(kind: StickyKind = 'node', { sharedKey, sticky = true }: { sharedKey?: string; sticky?: boolean } = {}): Promise<DurableCluster> {
  const dynamo = await startDynalite();
  const table = sessionTable('mcp-sessions', dynamo.endpoint);
  const stopDynamo = async () => {
    table.doc.destroy();
    await dynamo.stop();
  };
  try {
    await createLocalTable(table);
    const env = { MCP_SESSION_TABLE: table.name, MCP_DYNAMODB_ENDPOINT: dynamo.endpoint, MCP_SSE_KEEPALIVE_MS: '1000', ...(sharedKey && { MCP_REQUEST_STATE_KEY: sharedKey }) };
    const cluster = await startCluster(kind, env, { sticky });
    return { ...cluster, table, stop: async () => void (await cluster.stop(), await stopDynamo()) };
  } catch (error) {
    await stopDynamo();
    throw error;
  }
}
