/**
 * The checks both stateless samples' clients run, once per protocol era, with the plain SDK client:
 * the tools, `ping` (any instance, never a session), `echo`, `countdown` with its progress, and
 * `confirm_action`, which asks the user in the 2026 era (`input_required`) and, in the 2025 era,
 * says that a stateless request has no channel back to the user.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

import { check, textOf, type ClientRun } from './cli';

export type Era = 'legacy' | 'modern';
export const ERAS: readonly Era[] = ['legacy', 'modern'];

const TOOLS = ['ping', 'echo', 'countdown', 'confirm_action'];
const ACTION = 'restart the demo';

/** Runs every check in both eras, and returns which instances answered the pings of each. */
export async function checkStateless(run: ClientRun<'pings'>): Promise<Record<Era, Set<string>>> {
  const instances = {} as Record<Era, Set<string>>;
  for (const era of ERAS) instances[era] = await checkEra(run, era);
  return instances;
}

async function checkEra({ url, numbers, say, confirm }: ClientRun<'pings'>, era: Era): Promise<Set<string>> {
  const client = new Client({ name: 'mcp-on-aws-client', version: '0.1.0' }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: era === 'modern' ? 'auto' : 'legacy' } });
  client.setRequestHandler('elicitation/create', (request) => confirm(request.params.message));
  await client.connect(new StreamableHTTPClientTransport(url));
  try {
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    say(`${era} tools: ${tools.join(', ')}`);
    const missing = TOOLS.filter((name) => !tools.includes(name));
    check(missing.length === 0, `${era} tools/list has no ${missing.join(', ')}`);

    const instances = new Set<string>();
    for (let i = 1; i <= numbers.pings; i++) {
      const pong = (await client.callTool({ name: 'ping', arguments: {} })).structuredContent as { pong?: boolean; era?: string; instance?: string; session?: string } | undefined;
      check(pong?.pong === true && typeof pong.instance === 'string', `${era} ping ${i} answered ${JSON.stringify(pong)}`);
      check(pong.era === era, `${era} ping ${i} was served in the ${pong.era} era`);
      check(pong.session === undefined, `${era} ping ${i} answered for session ${pong.session}; a stateless deployment has none`);
      say(`${era} ping ${i}: ${pong.instance}`);
      instances.add(pong.instance);
    }
    say(`${era} ${numbers.pings} calls answered by ${instances.size} instance(s)`);

    const message = 'héllo ✓';
    const echoed = textOf(await client.callTool({ name: 'echo', arguments: { message } }));
    check(echoed === message, `${era} echo gave "${echoed}", expected "${message}"`);

    const progress: number[] = [];
    const done = textOf(await client.callTool({ name: 'countdown', arguments: { steps: 3, delayMs: 100 } }, { onprogress: (p) => void (progress.push(p.progress), say(`${era} countdown: ${p.message}`)) }));
    check(done === 'Lift-off after 3 steps' && progress.join() === '1,2,3', `${era} countdown gave "${done}" with progress [${progress.join()}]`);

    const confirmation = await client.callTool({ name: 'confirm_action', arguments: { action: ACTION } });
    say(`${era} confirm_action: ${textOf(confirmation)}`);
    if (era === 'legacy') check(confirmation.isError === true, `a 2025-era confirm_action must explain that it cannot ask, got "${textOf(confirmation)}"`);
    else check(new RegExp(`^(Done|Not done): "${ACTION}"`).test(textOf(confirmation)), `unexpected confirm_action answer: ${textOf(confirmation)}`);
    return instances;
  } finally {
    await client.close();
  }
}
