/**
 * The dashboards draw one line per tool from a list fixed at synth (shared/infra): it must name
 * exactly the tools a stateless server lists, or a tool's calls go unseen. The stateful sample
 * checks its own list the same way.
 */
import { SHARED_TOOLS } from '../infra/mcp-observability';
import { connect } from './support/clients';
import { startStateless } from './support/servers';

let server: Awaited<ReturnType<typeof startStateless>>;
beforeAll(async () => {
  server = await startStateless();
});
afterAll(() => server?.shutdown());

it.each(['legacy', 'modern'] as const)('SHARED_TOOLS names every tool a stateless server lists, %s era', async (era) => {
  const client = await connect(server.url, era);
  try {
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([...SHARED_TOOLS].sort());
  } finally {
    await client.close();
  }
});
