/**
 * Calls `ping` several times in each protocol era against a deployed (or local) endpoint and
 * prints which instance answered each call. Behind the ALB the answers spread over the tasks,
 * which is the point of stateless serving. Exits non-zero if any call fails.
 *
 *   npx tsx stateless-mcp-on-ecs/client/ping-many.ts http://<alb-dns-name>/mcp [calls]
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const [url, callsArg = '6'] = process.argv.slice(2);
if (!url) {
  console.error('usage: ping-many.ts <mcp-url> [calls]');
  process.exit(2);
}
const calls = Number(callsArg);

async function pingMany(era: 'legacy' | 'modern'): Promise<Set<string>> {
  const client = new Client({ name: 'ping-many', version: '1.0.0' }, { versionNegotiation: { mode: era === 'modern' ? 'auto' : 'legacy' } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url!)));
  const instances = new Set<string>();
  try {
    for (let i = 1; i <= calls; i++) {
      const { structuredContent } = await client.callTool({ name: 'ping', arguments: {} });
      const { instance } = structuredContent as { instance: string };
      instances.add(instance);
      console.log(`${era.padEnd(6)} ping ${i}: ${instance}`);
    }
  } finally {
    await client.close();
  }
  return instances;
}

async function main() {
  for (const era of ['legacy', 'modern'] as const) {
    const instances = await pingMany(era);
    console.log(`${era.padEnd(6)} ${calls} calls answered by ${instances.size} instance(s)`);
  }
}

main().catch((error: Error) => {
  console.error(`failed: ${error.message}`);
  process.exit(1);
});
