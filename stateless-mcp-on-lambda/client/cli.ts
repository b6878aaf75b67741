/**
 * Tries the Lambda sample, behind the local API Gateway or deployed, and checks what comes back:
 *
 *   MCP_SERVER_URL=<stage URL>/mcp npm run client -w stateless-mcp-on-lambda [-- --confirm=yes|no] [--pings=3]
 *
 * In each protocol era it lists the tools, pings (no session: any execution environment answers),
 * echoes, runs a countdown (its progress arrives with the answer: the response is buffered) and
 * calls confirm_action, which asks you in the 2026 era. It exits 1 on the first wrong answer.
 */
import { checkStateless, ERAS, runClientCli } from '@mcp-on-aws/shared/client';

runClientCli({
  usage: 'MCP_SERVER_URL=<stage URL>/mcp npm run client -w stateless-mcp-on-lambda [-- --confirm=yes|no] [--pings=3]',
  numbers: { pings: { fallback: 3, min: 1, max: 100 } },
  async run(client) {
    const instances = await checkStateless(client);
    return ERAS.map((era) => `${era}: ${client.numbers.pings} pings on ${[...instances[era]].join(', ')}`).join('; ') + '; echo, countdown 3/3 and confirm_action in both eras';
  },
});
