/**
 * Sessions on one instance share their servers' session-independent definitions
 * (`shareDefinitions`), and nothing of a session's own: its counter, the counter tool it was
 * shown, what it follows, its logging level. (A confirmation minted in one session and presented
 * in another is refused: sessions.test.ts.)
 */
import { COUNTER_URI } from '@mcp-on-aws/shared';

import { connectSession, startStateful, text, until } from './support/stateful';

describe('two sessions on one instance', () => {
  let server: Awaited<ReturnType<typeof startStateful>>;
  beforeAll(async () => {
    server = await startStateful();
  });
  afterAll(() => server.shutdown());

  it('keep their own counter, tool list, subscriptions and logging level', async () => {
    const a = await connectSession(server.mcp);
    const b = await connectSession(server.mcp);
    const toolNames = async (s: typeof a) => (await s.client.listTools()).tools.map((t) => t.name);

    // Counter and the read_counter it unlocks, per session.
    await a.client.subscribeResource({ uri: COUNTER_URI });
    for (const expected of ['1', '2']) expect(text(await a.client.callTool({ name: 'increment_counter', arguments: {} }))).toBe(expected);
    expect(await toolNames(a)).toContain('read_counter');
    expect(await toolNames(b)).not.toContain('read_counter');
    expect(text(await b.client.callTool({ name: 'increment_counter', arguments: {} }))).toBe('1');
    expect(text(await a.client.callTool({ name: 'read_counter', arguments: {} }))).toBe('2');

    // Only the session that subscribed hears its own counter change.
    await until(() => a.pushed.updates.length === 2);
    expect(b.pushed.updates).toEqual([]);

    // Each session's logging level filters only its own log lines.
    await a.client.setLoggingLevel('debug');
    await b.client.setLoggingLevel('warning');
    for (const s of [a, b]) await s.client.callTool({ name: 'ask_model', arguments: { question: 'q' } });
    expect(a.pushed.logs.map((l) => l.level)).toEqual(['debug', 'info']);
    expect(b.pushed.logs).toEqual([]);

    // The shared tools answer each session as itself.
    const sessionOf = async (s: typeof a) => ((await s.client.callTool({ name: 'ping', arguments: {} })).structuredContent as { session: string }).session;
    expect(await sessionOf(a)).not.toBe(await sessionOf(b));
    await Promise.all([a.client.close(), b.client.close()]);
  });
});
