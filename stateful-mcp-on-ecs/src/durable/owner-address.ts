/**
 * Where the other instances reach this one (`host:port`), written to the registry with each
 * session this instance owns, so that a request for the session that lands elsewhere is forwarded
 * here (`forwarding.ts`).
 *
 * - On Fargate (`ECS_CONTAINER_METADATA_URI_V4` set): the task's private IPv4, read once at start
 *   from the task metadata endpoint, and the container port (`PORT`). A start that cannot read it
 *   fails with the reason: a task that advertised nothing would never be forwarded to.
 * - Elsewhere: `MCP_ADVERTISED_ADDRESS` when set, otherwise the address this process listens on
 *   (127.0.0.1 and the port `PORT=0` picked, for `npm start`); for a wildcard bind (a container
 *   under docker-compose) the machine's first non-loopback IPv4, which its neighbours reach.
 */
import { networkInterfaces } from 'node:os';

import { ConfigError } from '@mcp-on-aws/shared';

/** The task metadata endpoint is local to the task and answers in milliseconds. */
const METADATA_TIMEOUT_MS = 2_000;

/** `host:port` with a port, and nothing else: no scheme, no path. */
const HOST_PORT = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/;

/**
 * The address fixed by the environment, or `undefined` when it is the listening address, known
 * only once the server listens (`listeningAddress`).
 */
export async function fixedAddress(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const metadata = env.ECS_CONTAINER_METADATA_URI_V4;
  if (metadata) return `${await taskIpv4(metadata)}:${env.PORT ?? '8080'}`;
  const advertised = env.MCP_ADVERTISED_ADDRESS;
  if (!advertised) return undefined;
  if (!HOST_PORT.test(advertised)) throw new ConfigError(`MCP_ADVERTISED_ADDRESS must be host:port (how the other instances reach this one), got "${advertised.slice(0, 100)}"`);
  return advertised;
}

/** `http://127.0.0.1:8081` becomes `127.0.0.1:8081`. */
export function listeningAddress(url: string): string {
  const { hostname, port } = new URL(url);
  const wildcard = hostname === '0.0.0.0' || hostname === '[::]';
  return `${wildcard ? externalIpv4() : hostname}:${port}`;
}

const externalIpv4 = (): string =>
  Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address ?? '127.0.0.1';

async function taskIpv4(metadataUri: string): Promise<string> {
  const fail = (why: string) => new ConfigError(`ECS_CONTAINER_METADATA_URI_V4 is set but the task's private IPv4 could not be read from ${metadataUri}/task: ${why}`);
  let task: { Containers?: Array<{ Networks?: Array<{ IPv4Addresses?: string[] }> }> };
  try {
    const response = await fetch(`${metadataUri}/task`, { signal: AbortSignal.timeout(METADATA_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    task = (await response.json()) as typeof task;
  } catch (error) {
    throw fail((error as Error).message);
  }
  // awsvpc mode: every container of the task shares the task's one network interface.
  const ip = task.Containers?.flatMap((c) => c.Networks ?? []).flatMap((n) => n.IPv4Addresses ?? [])[0];
  if (!ip || !/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) throw fail('no IPv4 address in Containers[].Networks[].IPv4Addresses');
  return ip;
}
