/**
 * A Lambda execution environment in one process: puts the runtime's `awslambda` global in place
 * (../../local/lambda-runtime), loads a built handler bundle, invokes it with the events read from
 * stdin (a JSON array), and prints the results as JSON on the last line (the handler's own log
 * lines come first). A streaming handler's response is read to its end as API Gateway reads it; a
 * buffered one (the benchmark's floors) answers as it returns.
 * The benchmark times it for the cold start; the bundle test checks what it prints. Both bundle it
 * first (infra/bundling.ts), so it starts as plain Node, without a TypeScript loader.
 */
import { readFileSync } from 'node:fs';

import { invokeToEnd, isStreaming } from '../../local/lambda-runtime';

const events = JSON.parse(readFileSync(0, 'utf8')) as unknown[];
const { handler } = require(process.argv[2]!) as { handler: unknown };
void (async () => {
  const results = [];
  for (const event of events) {
    results.push(isStreaming(handler) ? await invokeToEnd(handler, event, {}) : await (handler as (event: unknown, context: unknown) => Promise<unknown>)(event, {}));
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
  if (process.env.BENCH_CPU) process.stderr.write(`cpu ${cpuMs()}\n`);
})();

// User + system CPU time since the process started, bootstrap included.
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
