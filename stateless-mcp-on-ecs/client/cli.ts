/**
 * Tries the stateless ECS sample through its load balancer, and shows the round robin: every call
 * may land on another task, since none holds anything for a client.
 *
 *   MCP_SERVER_URL=http://<alb-dns>/mcp npm run client -w stateless-mcp-on-ecs [-- --expect-instances=3] [--pings=6] [--confirm=yes|no]
 *
 * In each protocol era it lists the tools, pings (no session; each answer names its instance),
 * echoes, runs a countdown with progress and calls confirm_action, which asks you in the 2026 era.
 * With `--expect-instances=N` the pings of each era must reach at least N instances. It exits 1 on
 * the first wrong answer.
 */
import { check, checkStateless, ERAS, runClientCli } from '@mcp-on-aws/shared/client';

runClientCli({
  usage: 'MCP_SERVER_URL=http://<alb-dns>/mcp npm run client -w stateless-mcp-on-ecs [-- --expect-instances=3] [--pings=6] [--confirm=yes|no]',
  numbers: { pings: { fallback: 6, min: 1, max: 100 }, 'expect-instances': { fallback: 1, min: 1, max: 100 } },
  async run(client) {
    const expected = client.numbers['expect-instances'];
    const instances = await checkStateless(client);
    for (const era of ERAS) {
      check(instances[era].size >= expected, `${era}: ${client.numbers.pings} pings reached ${instances[era].size} instance(s), expected at least ${expected}: is the balancer round-robin, and are ${expected} tasks running?`);
    }
    return ERAS.map((era) => `${era}: ${client.numbers.pings} pings on ${instances[era].size} instance(s)`).join('; ') + '; echo, countdown 3/3 and confirm_action in both eras';
  },
});
