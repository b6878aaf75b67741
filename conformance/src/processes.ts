/** Starts a sample's own entry point as a child process on an ephemeral loopback port, and stops it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const REPO = join(__dirname, '..', '..');

export interface Child {
  url: string;
  stop(): Promise<void>;
}

/**
 * Runs `node --import tsx <entry>` with PORT=0 and waits for the line that names its URL.
 * The process gets the fixtures switch and nothing else from us, so it runs exactly as `npm start` would.
 */
export function startEntry(entry: string, env: Record<string, string>, urlOf: (line: string) => string | undefined, timeoutMs = 30_000): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, entry)], {
    cwd: REPO,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', MCP_CONFORMANCE_FIXTURES: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${entry} printed no URL within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.removeAllListeners('exit'); // report the first cause, not the exit our own stop() causes
      void stop(child).then(() => reject(error));
    };
    child.once('exit', (code) => fail(new Error(`${entry} exited with ${code}:\n${output}`)));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        const url = urlOf(line);
        if (!url) continue;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout!.removeAllListeners('data').resume(); // keep draining, or a chatty child blocks on a full pipe
        child.stderr!.removeAllListeners('data').resume();
        return resolve({ url, stop: () => stop(child) });
      }
    });
  });
}

/** SIGTERM for a graceful drain, SIGKILL if it is still there after 5 s. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The shared shell's `{"msg":"listening","url":...}` log line. */
export function listeningUrl(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as { msg?: string; url?: string };
    return entry.msg === 'listening' ? entry.url : undefined;
  } catch {
    return undefined;
  }
}
