/**
 * Runs the local sticky balancer in front of stateful servers you started yourself:
 *
 *   BALANCER_TARGETS=http://127.0.0.1:8081,http://127.0.0.1:8082 PORT=8080 npx tsx stateful-mcp-on-ecs/balancer/main.ts
 */
import { jsonLogger } from '@mcp-on-aws/shared';

import { startStickyBalancer } from './sticky-balancer';

const targets = (process.env.BALANCER_TARGETS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
if (targets.length === 0) {
  process.stderr.write('BALANCER_TARGETS is required: comma-separated base URLs of the stateful servers\n');
  process.exit(1);
}
startStickyBalancer({ targets, port: Number(process.env.PORT ?? 8080), host: process.env.HOST ?? '127.0.0.1' }).then((balancer) => {
  jsonLogger({ msg: 'listening', url: balancer.url, targets: targets.join(',') });
  const stop = () => void balancer.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
});
