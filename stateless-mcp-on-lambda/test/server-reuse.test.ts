/**
 * A warm execution environment hands the server of one request to the next of its era
 * (`shared/src/server-pool.ts`; what may never carry over is pinned in shared/test/server-reuse.test.ts).
 * Here, what is the Lambda handler's own: its streamed answers, and a client that goes mid-answer.
 */
import type { ServerExtension } from '@mcp-on-aws/shared';

import { invokeStreaming, splitPrelude } from '../../local/lambda-runtime';
import { json, lambdaHandler, modernHeaders, modernMeta, restEvent, rpc } from './support/events';

/** Counts the servers built. */
function counted(): ServerExtension & { built: number } {
  return {
    built: 0,
    register() {
      this.built++;
    },
  };
}

const echo = (message: string) => rpc('tools/call', { name: 'echo', arguments: { message } });

describe('servers reused by a warm Lambda handler', () => {
  it('answers one call after another, in each era, from one server per era', async () => {
    const servers = counted();
    const handler = lambdaHandler({}, [servers]);
    for (let i = 0; i < 3; i++) {
      expect((await handler(restEvent({ headers: json, body: echo(`legacy ${i}`) }))).body).toContain(`"text":"legacy ${i}"`);
      const modern = await handler(restEvent({ headers: modernHeaders('tools/call', 'echo'), body: rpc('tools/call', { name: 'echo', arguments: { message: `modern ${i}` }, _meta: modernMeta }) }));
      expect(JSON.parse(modern.body).result.content[0].text).toBe(`modern ${i}`);
    }
    expect(servers.built).toBe(2);
  });

  it('builds a new server after a client left mid-answer, and still serves', async () => {
    const servers = counted();
    const handler = lambdaHandler({}, [servers]);
    await handler(restEvent({ headers: json, body: echo('warm') }));
    expect(servers.built).toBe(1);

    const countdown = rpc('tools/call', { name: 'countdown', arguments: { steps: 3, delayMs: 200 }, _meta: { progressToken: 'p' } });
    const { output, done } = invokeStreaming(handler.streaming, restEvent({ headers: json, body: countdown }));
    const { body } = await splitPrelude(output);
    await new Promise((resolve) => body.once('data', resolve).resume()); // the first progress step
    output.destroy(); // the client goes
    await done.catch(() => undefined);

    expect((await handler(restEvent({ headers: json, body: echo('after') }))).body).toContain('"text":"after"');
    expect(servers.built).toBe(2);
  });
});
