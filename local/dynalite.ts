/**
 * dynalite in-process on loopback: the DynamoDB stand-in for `npm start`, the tests and the
 * benchmark. It keeps items in memory and never expires TTL items (the stores filter on read).
 *
 *   PORT=4567 npm run dynalite -w stateful-mcp-on-ecs     # one for server processes you start by hand
 */
import type { AddressInfo } from 'node:net';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => import('node:http').Server;

export interface LocalDynamo {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startDynalite(port = 0): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

if (require.main === module) {
  void startDynalite(Number(process.env.PORT ?? 4567)).then((d) => process.stdout.write(`dynalite on ${d.endpoint}\n`));
}
