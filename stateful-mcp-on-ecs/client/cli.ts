/**
 * Tries a stateful MCP deployment through its load balancer, and checks what comes back:
 *
 *   MCP_SERVER_URL=http://<alb-dns>/mcp npx tsx stateful-mcp-on-ecs/client/cli.ts [--confirm=yes|no] [--pings=5] [--increments=3]
 *
 * It pings several times (every answer must come from one instance), subscribes to the session
 * counter and increments it (values 1..N, one update each), runs a countdown with progress, and
 * answers confirm_action's elicitation from the terminal, or from --confirm for scripts. It exits
 * 1 on the first thing that is wrong, so a test or a deploy pipeline can run it.
 */
import { createInterface } from 'node:readline/promises';

import { StickyClient, type ElicitAnswer } from './sticky-client';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const url = process.env.MCP_SERVER_URL;
const pings = Number(args.pings ?? 5);
const increments = Number(args.increments ?? 3);

function fail(message: string): never {
  process.stdout.write(`FAIL: ${message}\n`);
  process.exit(1);
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const textOf = (result: { content?: unknown }) => ((result.content as Array<{ text?: string }> | undefined)?.[0]?.text ?? '');

async function askUser(message: string): Promise<ElicitAnswer> {
  if (args.confirm !== undefined) return { action: 'accept', content: { confirm: args.confirm === 'yes' } };
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await terminal.question(`${message} [y/N] `);
  terminal.close();
  return { action: 'accept', content: { confirm: /^y(es)?$/i.test(answer.trim()) } };
}

async function main(): Promise<void> {
  if (!url) fail('set MCP_SERVER_URL to the MCP endpoint, e.g. http://<alb-dns>/mcp');
  const updates: string[] = [];
  const client = await StickyClient.connect({ url, elicit: askUser, say, onResourceUpdated: (uri) => void updates.push(uri) });
  try {
    say(`session ${client.sessionId} (AWSALB cookie ${(await client.stickinessCookie()) ? 'set' : 'not set'})`);

    const instances = new Set<string>();
    for (let i = 1; i <= pings; i++) {
      const pong = (await client.callTool({ name: 'ping', arguments: {} })).structuredContent as { instance: string; sessionId?: string };
      say(`ping ${i}: instance ${pong.instance}`);
      if (pong.sessionId !== client.sessionId) fail(`ping ${i} answered for session ${pong.sessionId}, not ${client.sessionId}`);
      instances.add(pong.instance);
    }
    if (instances.size !== 1 && client.reinitializations === 0) fail(`${pings} pings landed on ${instances.size} instances: is the balancer sticky?`);

    await client.subscribe('session://counter');
    for (let expected = 1; expected <= increments; expected++) {
      const value = textOf(await client.callTool({ name: 'increment_counter', arguments: {} }));
      say(`counter: ${value}`);
      if (value !== String(expected)) fail(`counter is ${value}, expected ${expected}`);
    }

    const progress: number[] = [];
    const done = await client.callTool({ name: 'countdown', arguments: { steps: 3, delayMs: 100 } }, { onprogress: (p) => void (progress.push(p.progress), say(`countdown: ${p.message}`)) });
    if (textOf(done) !== 'Lift-off after 3 steps' || progress.join() !== '1,2,3') fail(`countdown gave "${textOf(done)}" with progress [${progress.join()}]`);

    const confirmed = textOf(await client.callTool({ name: 'confirm_action', arguments: { action: 'restart the demo' } }));
    say(`confirm_action: ${confirmed}`);
    if (!/^(Done|Not done): "restart the demo"/.test(confirmed)) fail(`unexpected confirm_action answer: ${confirmed}`);

    const until = Date.now() + 2_000;
    while (updates.length < increments && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    say(`counter updates received: ${updates.length}`);
    if (updates.length !== increments) fail(`expected ${increments} counter updates, got ${updates.length}`);

    say(`OK: ${pings} pings on ${[...instances].join(', ')}, counter 1..${increments}, ${updates.length} updates, countdown 3/3, ${client.reinitializations} re-initializations`);
  } finally {
    await client.close();
  }
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
