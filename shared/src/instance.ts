import { hostname } from 'node:os';

import { version } from '../package.json';

/** Which process answered: the value `ping` reports, so balancing and stickiness become visible. */
export interface Instance {
  id: string;
  platform: 'ecs' | 'lambda' | 'local';
  version: string;
}

/**
 * ECS: the task id, read from the metadata URI's path (never fetched).
 * Lambda: the log stream, one per execution environment. Elsewhere: host and pid.
 */
export function detectInstance(env: NodeJS.ProcessEnv = process.env): Instance {
  const metadataUri = env.ECS_CONTAINER_METADATA_URI_V4;
  if (metadataUri) {
    const segment = new URL(metadataUri).pathname.split('/').pop() ?? '';
    return { id: segment.split('-')[0] || segment, platform: 'ecs', version };
  }
  const logStream = env.AWS_LAMBDA_LOG_STREAM_NAME;
  if (logStream) return { id: logStream, platform: 'lambda', version };
  return { id: `${hostname()}:${process.pid}`, platform: 'local', version };
}
