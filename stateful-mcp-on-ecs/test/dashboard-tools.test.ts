/**
 * The dashboard draws one line per tool from STATEFUL_TOOLS, fixed at synth: it must name every tool
 * a 2025-era session can call, `read_counter` (listed once the counter moves) and `ask_model` included.
 */
import { STATEFUL_TOOLS } from '@mcp-on-aws/shared/infra';

import { connectSession, startStateful } from './support/stateful';

let server: Awaited<ReturnType<typeof startStateful>>;
beforeAll(async () => {
  server = await startStateful();
});
afterAll(() => server?.shutdown());

it('STATEFUL_TOOLS names every tool a 2025-era session lists once its counter has moved', async () => {
  const { client } = await connectSession(server.mcp);
  try {
    await client.callTool({ name: 'increment_counter', arguments: {} });
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([...STATEFUL_TOOLS].sort());
  } finally {
    await client.close();
  }
});
