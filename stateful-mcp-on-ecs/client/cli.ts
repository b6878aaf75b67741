/**
 * Tries a stateful MCP deployment through its load balancer, and checks what comes back:
 *
 *   MCP_SERVER_URL=http://<alb-dns>/mcp npm run client -w stateful-mcp-on-ecs [-- --confirm=yes|no] [--pings=5] [--increments=3]
 *
 * It pings several times (every answer must come from one instance), subscribes to the session
 * counter and increments it (values 1..N, one update each), runs a countdown with progress, and
 * answers confirm_action's elicitation from the terminal, or from --confirm for scripts (without a
 * terminal, the end of input answers "no"). It exits 1 on the first thing that is wrong, so a test
 * or a deploy pipeline can run it.
 */
import { check, runClientCli, sessionTag, textOf } from '@mcp-on-aws/shared/client';

import { StickyClient } from './sticky-client';

runClientCli({
  usage: 'MCP_SERVER_URL=http://<alb-dns>/mcp npm run client -w stateful-mcp-on-ecs [-- --confirm=yes|no] [--pings=5] [--increments=3]',
  numbers: { pings: { fallback: 5, min: 1, max: 100 }, increments: { fallback: 3, min: 1, max: 100 } },
  async run({ url, numbers: { pings, increments }, say, confirm }) {
    const updates: string[] = [];
    const client = await StickyClient.connect({ url, elicit: confirm, say, onResourceUpdated: (uri) => void updates.push(uri) });
    try {
      check(client.sessionId, 'the server gave no Mcp-Session-Id: is this the stateful sample?');
      say(`session ${sessionTag(client.sessionId)} (AWSALB cookie ${(await client.stickinessCookie()) ? 'set' : 'not set'})`);

      const instances = new Set<string>();
      for (let i = 1; i <= pings; i++) {
        const pong = (await client.callTool({ name: 'ping', arguments: {} })).structuredContent as { instance: string; session?: string };
        say(`ping ${i}: instance ${pong.instance}`);
        check(pong.session === sessionTag(client.sessionId), `ping ${i} answered for session ${pong.session}, not ${sessionTag(client.sessionId)}`);
        instances.add(pong.instance);
      }
      check(instances.size === 1 || client.reinitializations > 0, `${pings} pings landed on ${instances.size} instances: is the balancer sticky?`);

      await client.subscribe('session://counter');
      for (let expected = 1; expected <= increments; expected++) {
        const value = textOf(await client.callTool({ name: 'increment_counter', arguments: {} }));
        say(`counter: ${value}`);
        check(value === String(expected), `counter is ${value}, expected ${expected}`);
      }

      const progress: number[] = [];
      const done = await client.callTool({ name: 'countdown', arguments: { steps: 3, delayMs: 100 } }, { onprogress: (p) => void (progress.push(p.progress), say(`countdown: ${p.message}`)) });
      check(textOf(done) === 'Lift-off after 3 steps' && progress.join() === '1,2,3', `countdown gave "${textOf(done)}" with progress [${progress.join()}]`);

      const confirmed = textOf(await client.callTool({ name: 'confirm_action', arguments: { action: 'restart the demo' } }));
      say(`confirm_action: ${confirmed}`);
      check(/^(Done|Not done): "restart the demo"/.test(confirmed), `unexpected confirm_action answer: ${confirmed}`);

      const until = Date.now() + 2_000;
      while (updates.length < increments && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      say(`counter updates received: ${updates.length}`);
      check(updates.length === increments, `expected ${increments} counter updates, got ${updates.length}`);

      return `${pings} pings on ${[...instances].join(', ')}, counter 1..${increments}, ${updates.length} updates, countdown 3/3, ${client.reinitializations} re-initializations`;
    } finally {
      await client.close();
    }
  },
});
