// Loads a built handler bundle in this fresh process, as a Lambda execution environment would,
// invokes it with the events read from stdin (a JSON array), and prints the results as JSON on the
// last line (the handler's own log lines come first).
// The benchmark times it for the cold start; the bundle test checks what it prints.
const { readFileSync } = require('node:fs');

const events = JSON.parse(readFileSync(0, 'utf8'));
const { handler } = require(process.argv[2]);
(async () => {
  const results = [];
  for (const event of events) results.push(await handler(event, {}));
  process.stdout.write(`${JSON.stringify(results)}\n`);
  if (process.env.BENCH_CPU) process.stderr.write(`cpu ${cpuMs()}\n`);
})();

// User + system CPU time since the process started, bootstrap included.
function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
