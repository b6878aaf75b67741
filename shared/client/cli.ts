/**
 * What every sample's client CLI shares: the endpoint from `MCP_SERVER_URL`, `--name=value`
 * options checked before anything connects, one line per answer, and the exit code a script or a
 * deploy pipeline can trust: 0 when every answer was right, 1 on the first wrong one (or a failed
 * call), 2 when the command itself was wrong.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';

import { integerSetting, type IntegerRange } from '../src/config';

/** An answer that is not what the sample must give. */
export class WrongAnswer extends Error {
  override name = 'WrongAnswer';
}

class UsageError extends Error {
  override name = 'UsageError';
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new WrongAnswer(message);
}

/** The text of a tool result's first content block. */
export const textOf = (result: { content?: unknown }) => (result.content as Array<{ text?: string }> | undefined)?.[0]?.text ?? '';

/** What `confirm_action` gets back: the SDK's elicitation result with the tool's one field. */
export type ConfirmAnswer = { action: 'accept'; content: { confirm: boolean } };

export interface ClientRun<Numbers extends string> {
  url: URL;
  numbers: Record<Numbers, number>;
  say(line: string): void;
  /** Answers a confirmation: `--confirm`, else the user on standard input, else "no" at its end. */
  confirm(message: string): Promise<ConfirmAnswer>;
}

export interface ClientCli<Numbers extends string> {
  /** The command line, printed with a usage error. */
  usage: string;
  /** Its integer options (`--pings=5`), each with its default and bounds. */
  numbers: Record<Numbers, IntegerRange & { fallback: number }>;
  /** Runs the checks and returns the one-line summary printed after `OK:`. */
  run(client: ClientRun<Numbers>): Promise<string>;
}

const say = (line: string) => void process.stdout.write(`${line}\n`);

export function runClientCli<Numbers extends string>(cli: ClientCli<Numbers>, argv = process.argv.slice(2), env = process.env): void {
  let run: ClientRun<Numbers>;
  try {
    run = parse(cli, argv, env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\nusage: ${cli.usage}\n`);
    process.exit(2);
  }
  cli.run(run).then(
    (summary) => say(`OK: ${summary}`),
    (error: unknown) => {
      say(`FAIL: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

function parse<Numbers extends string>(cli: ClientCli<Numbers>, argv: string[], env: NodeJS.ProcessEnv): ClientRun<Numbers> {
  const names = Object.keys(cli.numbers) as Numbers[];
  const options = Object.fromEntries([...names, 'confirm'].map((name) => [name, { type: 'string' as const }]));
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const rawUrl = env.MCP_SERVER_URL;
  if (!rawUrl) throw new UsageError('set MCP_SERVER_URL to the MCP endpoint, e.g. http://<alb-dns>/mcp');
  const url = URL.canParse(rawUrl) ? new URL(rawUrl) : undefined;
  if (!url || !/^https?:$/.test(url.protocol)) throw new UsageError(`MCP_SERVER_URL must be an http(s) URL, got "${rawUrl}"`);
  const { confirm } = values;
  if (confirm !== undefined && confirm !== 'yes' && confirm !== 'no') throw new UsageError(`--confirm takes yes or no, got "${confirm}"`);
  const numbers = Object.fromEntries(names.map((name) => [name, integerSetting(`--${name}`, values[name], cli.numbers[name])])) as Record<Numbers, number>;
  return {
    url,
    numbers,
    say,
    confirm: async (message) => ({ action: 'accept', content: { confirm: confirm === undefined ? await askUser(message) : confirm === 'yes' } }),
  };
}

/**
 * Asks on standard input. A script or CI gives no terminal, and often no input at all: the end of
 * input answers the default ("no") at once, instead of leaving the server's request to time out.
 */
async function askUser(message: string): Promise<boolean> {
  const terminal = process.stdin.isTTY === true;
  if (!terminal) say('standard input is not a terminal: the answer is read from it, "no" at its end; pass --confirm=yes or --confirm=no to answer without asking');
  const lines = createInterface({ input: process.stdin, output: process.stdout, terminal });
  const ended = once(lines, 'close').then(() => undefined);
  const answer = await Promise.race([lines.question(`${message} [y/N] `).catch(() => undefined), ended]);
  lines.close();
  // A terminal echoes what was typed; from a pipe or a file, show it so the transcript reads the same.
  if (!terminal) say(answer === undefined ? '(end of input: no)' : answer);
  return /^y(es)?$/i.test(answer?.trim() ?? '');
}
