import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

export const root = join(__dirname, '../../..');

export interface Detached {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code, once it has exited (null when a signal ended it). */
  exited: Promise<number | null>;
  /** Signals the whole process group, as a terminal's Ctrl-C does, and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs a command from the repository root as a user's terminal would: in its own process group, so
 * that stopping it stops everything it started. Standard input is closed; output is collected.
 */
export function startDetached(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Detached {
  const child = spawn(command, args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let [stdout, stderr] = ['', ''];
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, signal);
      return exited;
    },
  };
}
