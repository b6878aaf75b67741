import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs a sample's client CLI (`<sample>/client/cli.ts`) against `url` as a script would: `stdin` is
 * what a pipe brings, or `null` for no input at all (`</dev/null`). Never a terminal.
 */
export async function runClientCli(entry: string, url: string, args: string[], stdin: string | null = null): Promise<CliRun> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    env: { ...process.env, MCP_SERVER_URL: url },
    stdio: [stdin === null ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (stdin !== null) child.stdin!.end(stdin);
  let [stdout, stderr] = ['', ''];
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = await once(child, 'exit');
  return { code: code as number | null, stdout, stderr, ms: Date.now() - started };
}
