import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { McpServerFactory } from '@modelcontextprotocol/server';

import { CONFORMANCE_ENV, COUNTER_URI, createServerFactory, detectInstance, loadConfig, type ServerOptions } from '../src';
import { MemoryCounter } from './support/servers';

const base = { instance: detectInstance({}), config: loadConfig({}) };

/** A 2025-era client wired to one server from the factory, in memory. */
async function connectTo(factory: McpServerFactory): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await (await factory({ era: 'legacy' })).connect(serverSide);
  const client = new Client({ name: 'fixtures-test', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}

async function toolNames(options: Partial<ServerOptions>): Promise<string[]> {
  const client = await connectTo(createServerFactory({ ...base, ...options }));
  try {
    return (await client.listTools()).tools.map((tool) => tool.name);
  } finally {
    await client.close();
  }
}

describe('conformance fixtures', () => {
  const saved = process.env[CONFORMANCE_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[CONFORMANCE_ENV];
    else process.env[CONFORMANCE_ENV] = saved;
  });

  it('are absent by default', async () => {
    delete process.env[CONFORMANCE_ENV];
    const names = await toolNames({});
    expect(names).toContain('ping');
    expect(names.filter((name) => name.startsWith('test_') || name.startsWith('json_schema'))).toEqual([]);
  });

  it('stay absent for any value but "1", and when the option says no', async () => {
    for (const value of ['', 'true', 'yes', '0']) {
      process.env[CONFORMANCE_ENV] = value;
      expect(await toolNames({})).not.toContain('test_simple_text');
    }
    process.env[CONFORMANCE_ENV] = '1';
    expect(await toolNames({ conformanceFixtures: false })).not.toContain('test_simple_text');
  });

  it('appear with MCP_CONFORMANCE_FIXTURES=1 or the explicit option', async () => {
    delete process.env[CONFORMANCE_ENV];
    expect(await toolNames({ conformanceFixtures: true })).toEqual(expect.arrayContaining(['ping', 'test_simple_text', 'test_sampling', 'json_schema_2020_12_tool']));
    process.env[CONFORMANCE_ENV] = '1';
    expect(await toolNames({})).toContain('test_input_required_result_elicitation');
  });

  it('answer with the exact texts the suite checks', async () => {
    const client = await connectTo(createServerFactory({ ...base, conformanceFixtures: true }));
    try {
      expect((await client.callTool({ name: 'test_simple_text', arguments: {} })).content).toEqual([{ type: 'text', text: 'This is a simple text response for testing.' }]);
      const prompt = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'hello', arg2: 'world' } });
      expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: "Prompt with arguments: arg1='hello', arg2='world'" });
      const completion = await client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'par' } });
      expect(completion.completion.values).toEqual(['paris', 'park', 'party']);
      const template = await client.readResource({ uri: 'test://template/123/data' });
      expect(JSON.parse((template.contents[0] as { text: string }).text)).toEqual({ id: '123', templateTest: true, data: 'Data for ID: 123' });
    } finally {
      await client.close();
    }
  });

  it('keep the session counter subscribable next to the watched fixture resource', async () => {
    const client = await connectTo(createServerFactory({ ...base, counter: new MemoryCounter(), conformanceFixtures: true }));
    try {
      await expect(client.subscribeResource({ uri: 'test://watched-resource' })).resolves.toEqual({});
      await expect(client.subscribeResource({ uri: COUNTER_URI })).resolves.toEqual({});
      // The counter's own rule still applies to everything that is not a fixture.
      await expect(client.subscribeResource({ uri: 'session://other' })).rejects.toThrow(/session:\/\/other cannot be subscribed to/);
    } finally {
      await client.close();
    }
  });
});
