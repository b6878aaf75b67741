import { join } from 'node:path';

import { haproxyInstalled, startHaproxyWith, type Balancer } from '../../../shared/test-support/balancer';
import { startServerProcesses, type ServerProcess } from '../../../shared/test-support/processes';
import { startStickyBalancer } from '../../balancer/sticky-balancer';

export const SERVER_ENTRY = join(__dirname, '../../src/main.ts');
export const HAPROXY_STICKY = join(__dirname, '../../balancer/haproxy-sticky.cfg');

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

/** Three stateful server processes on ephemeral loopback ports behind a cookie-sticky balancer. */
export async function startCluster(kind: StickyKind, env: NodeJS.ProcessEnv = {}): Promise<Cluster> {
  const servers = await startServerProcesses(3, SERVER_ENTRY, env);
  const urls = servers.map((s) => s.url);
  try {
    const balancer = kind === 'node' ? await startStickyBalancer({ targets: urls, healthIntervalMs: 200 }) : await startHaproxyWith(HAPROXY_STICKY, urls);
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
