/** Servers built for sessions share the definitions that do not depend on the session, and keep their own for those that do. */
import { randomBytes } from 'node:crypto';

import { completable, McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

import { createServerFactory, MemoryCounter } from '../src';
import { serveSharedDefinitions } from '../src/shared-definitions';

const instance = { id: 'solo', platform: 'local' as const, version: '0.1.0' };
const config = { requestStateKey: randomBytes(32) };
/** `McpServer`'s private record of a kind (the one reach the code under test makes). */
const records = (server: object, kind: 'Tools' | 'Resources' | 'Prompts') => (server as unknown as Record<string, Record<string, object>>)[`_registered${kind}`]!;

describe('createServerFactory with shareDefinitions', () => {
  it.each(['legacy', 'modern'] as const)('gives every %s server the same session-independent tools, resource and prompt, and each its own counter tools', async (era) => {
    const factory = createServerFactory({ instance, config, counter: new MemoryCounter(), shareDefinitions: true });
    const [a, b] = [await factory({ era }), await factory({ era })];
    for (const tool of ['ping', 'echo', 'countdown', 'confirm_action']) expect([tool, records(a, 'Tools')[tool]]).toEqual([tool, expect.any(Object)]);
    for (const tool of ['ping', 'echo', 'countdown', 'confirm_action']) expect(records(a, 'Tools')[tool]).toBe(records(b, 'Tools')[tool]);
    expect(records(a, 'Resources')['instance://info']).toBe(records(b, 'Resources')['instance://info']);
    expect(records(a, 'Prompts').explain_scaling).toBe(records(b, 'Prompts').explain_scaling);
    // The counter's tools hold the session's state (read_counter's listing) and its server: never shared.
    for (const tool of ['read_counter', 'increment_counter']) expect(records(a, 'Tools')[tool]).not.toBe(records(b, 'Tools')[tool]);
    expect(records(a, 'Resources')['session://counter']).not.toBe(records(b, 'Resources')['session://counter']);
  });

  it('lists the same tools, in the same order, as a factory whose servers register their own', async () => {
    const counter = new MemoryCounter();
    const shared = await createServerFactory({ instance, config, counter, shareDefinitions: true })({ era: 'legacy' });
    const own = await createServerFactory({ instance, config, counter })({ era: 'legacy' });
    expect(Object.keys(records(shared, 'Tools'))).toEqual(Object.keys(records(own, 'Tools')));
    expect(Object.keys(records(own, 'Tools'))).toContain('read_counter');
  });

  it('registers its own copies without the option, as a server built per request does', async () => {
    const factory = createServerFactory({ instance, config });
    expect(records(await factory({ era: 'modern' }), 'Tools').echo).not.toBe(records(await factory({ era: 'modern' }), 'Tools').echo);
  });

  it('refuses to share a definition that offers completions, which the SDK wires at registration', () => {
    const template = new McpServer({ name: 't', version: '1' }, { capabilities: { prompts: {} } });
    template.registerPrompt('p', { argsSchema: z.object({ x: completable(z.string(), () => ['a']) }) }, () => ({ messages: [] }));
    const server = new McpServer({ name: 't', version: '1' }, { capabilities: { prompts: {} } });
    expect(() => serveSharedDefinitions(server, template)).toThrow('offers completions');
  });
});
