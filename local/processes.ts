import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Sends the signal and resolves with the exit code (SIGTERM drains first, as ECS does). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts a sample's server entry as a real process on an ephemeral loopback port. It resolves
 * when the server logs `{"msg":"listening","url":...}`, and fails if it exits or stays silent.
 */
export async function startServerProcess(entry: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<ServerProcess> {
  // A bundle (`.js`) runs on plain Node, as in the image: tsx's loader would add its own memory and hooks.
  const child = spawn(process.execPath, [...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []), entry], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${entry} did not log "listening" within ${timeoutMs} ms`)), timeoutMs);
      void exited.then((code) => reject(new Error(`${entry} exited with ${code} before listening`)));
      const lines = createInterface({ input: child.stdout! }).on('line', (line) => {
        const parsed = parse(line);
        if (parsed?.msg === 'listening' && typeof parsed.url === 'string') {
          clearTimeout(timer);
          // Later lines (a log line per request) are drained unread, so a load test does not pay for them.
          lines.close();
          child.stdout!.resume();
          resolve(parsed.url);
        }
      });
    });
    return { url, child, stop };
  } catch (error) {
    await stop('SIGKILL');
    throw error;
  }
}

/** Starts several at once; if one fails, the others are stopped too. */
export async function startServerProcesses(count: number, entry: string, env: NodeJS.ProcessEnv = {}): Promise<ServerProcess[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startServerProcess(entry, env)));
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    throw failed.reason;
  }
  return servers;
}

function parse(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
