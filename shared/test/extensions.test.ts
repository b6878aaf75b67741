/**
 * `ServerExtension`: what a sample or a test adds to every server the shared factory builds, with
 * the same context the shared tools get, and the resources of its own that a session may follow.
 */
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { McpServerFactory } from '@modelcontextprotocol/server';

import { COUNTER_URI, createServerFactory, detectInstance, loadConfig, MemoryCounter, SUBSCRIPTION_LIMITS, type ServerExtension, type ToolContext } from '../src';

const base = { instance: detectInstance({}), config: loadConfig({}) };

async function connectTo(factory: McpServerFactory): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await (await factory({ era: 'legacy' })).connect(serverSide);
  const client = new Client({ name: 'extensions-test', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}

describe('server extensions', () => {
  it('register on every server, with the context of its era', async () => {
    const seen: ToolContext[] = [];
    const extension: ServerExtension = {
      register(server, ctx) {
        seen.push(ctx);
        server.registerTool('extra', { description: 'An extension tool.' }, () => ({ content: [{ type: 'text', text: `extra in ${ctx.era}` }] }));
      },
    };
    const factory = createServerFactory({ ...base, extensions: [extension] });
    const client = await connectTo(factory);
    try {
      expect((await client.callTool({ name: 'extra', arguments: {} })).content).toEqual([{ type: 'text', text: 'extra in legacy' }]);
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('ping');
      expect(seen).toEqual([expect.objectContaining({ era: 'legacy', instance: base.instance })]);
    } finally {
      await client.close();
    }
  });

  it('leave the server without resources.subscribe when none is subscribable and no counter is there', async () => {
    const client = await connectTo(createServerFactory({ ...base, extensions: [{ register: () => {} }] }));
    try {
      expect(client.getServerCapabilities()?.resources).not.toHaveProperty('subscribe');
    } finally {
      await client.close();
    }
  });

  it('make their own resources subscribable, next to the session counter', async () => {
    const watched: ServerExtension = { register: () => {}, subscribable: (uri) => uri === 'extra://watched' };
    const alone = await connectTo(createServerFactory({ ...base, extensions: [watched] }));
    try {
      expect(alone.getServerCapabilities()?.resources).toMatchObject({ subscribe: true });
      await expect(alone.subscribeResource({ uri: 'extra://watched' })).resolves.toEqual({});
      await expect(alone.subscribeResource({ uri: COUNTER_URI })).rejects.toThrow(/cannot be subscribed to/);
    } finally {
      await alone.close();
    }
    const withCounter = await connectTo(createServerFactory({ ...base, counter: new MemoryCounter(), extensions: [watched] }));
    try {
      await expect(withCounter.subscribeResource({ uri: COUNTER_URI })).resolves.toEqual({});
      await expect(withCounter.subscribeResource({ uri: 'extra://other' })).rejects.toThrow(/extra:\/\/other cannot be subscribed to/);
    } finally {
      await withCounter.close();
    }
  });

  it('bound what a session follows, though a rule accepts any URI of a pattern: count and length', async () => {
    const anyTest: ServerExtension = { register: () => {}, subscribable: (uri) => uri.startsWith('test://') };
    const client = await connectTo(createServerFactory({ ...base, extensions: [anyTest] }));
    try {
      const long = `test://${'x'.repeat(90_000)}`;
      await expect(client.subscribeResource({ uri: long })).rejects.toMatchObject({ code: -32602, message: `A resource URI to subscribe to is at most ${SUBSCRIPTION_LIMITS.uriChars} characters` });
      for (let n = 0; n < SUBSCRIPTION_LIMITS.perSession; n++) await client.subscribeResource({ uri: `test://r${n}` });
      await client.subscribeResource({ uri: 'test://r0' }); // again: still one
      await expect(client.subscribeResource({ uri: 'test://one-more' })).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(/at most 8 resources; unsubscribe from one first/) });
      await client.unsubscribeResource({ uri: 'test://r0' });
      await expect(client.subscribeResource({ uri: 'test://one-more' })).resolves.toEqual({});
    } finally {
      await client.close();
    }
  });
});
