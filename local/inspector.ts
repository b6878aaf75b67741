/**
 * `npm run inspector -- <url> [inspector options]`: the MCP Inspector on Node 22, from a Node 20 repo.
 *
 *   npm run inspector -- http://127.0.0.1:3001/local/mcp --method tools/list     # the CLI: one call, JSON out
 *   npm run inspector -- http://127.0.0.1:3001/local/mcp                         # the web UI, on 127.0.0.1:6274
 *
 * The Inspector needs Node ≥ 22.19. The conformance runner already installs Node 22 and the
 * Inspector into conformance/tools from their own lock file (conformance/src/tools.ts); this runs
 * the same install, on first use, and starts the Inspector with it: with `--method` its CLI,
 * without it its web UI (`CLIENT_PORT` moves it from 6274). The exit code is the Inspector's.
 */
import { spawn } from 'node:child_process';

import { ensureTools, tools } from '../conformance/src/tools';

const USAGE = 'usage: npm run inspector -- <http(s) MCP URL> [--method tools/list | other Inspector options]';

function inspectorArgs(argv: string[]): string[] {
  const [url, ...rest] = argv;
  if (!url || !/^https?:$/.test(URL.canParse(url) ? new URL(url).protocol : '')) throw new Error(`the first argument must be the server's MCP URL, got ${url === undefined ? 'nothing' : `"${url}"`}`);
  return [rest.includes('--method') ? '--cli' : '--web', url, ...rest];
}

function main(): void {
  let args: string[];
  try {
    args = inspectorArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`npm run inspector: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  ensureTools((line) => process.stderr.write(`${line}\n`));
  const inspector = spawn(tools.node, [tools.inspector, ...args], { stdio: 'inherit' });
  // A terminal's Ctrl-C reaches the whole group; a SIGTERM sent to this process alone must reach the Inspector too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => inspector.kill(signal));
  inspector.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main();
