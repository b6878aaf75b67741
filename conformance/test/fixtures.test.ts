/**
 * The conformance fixtures as one `ServerExtension` of the shared factory: present only where an
 * entry adds the extension, answering with the exact texts the suites check, and subscribable next
 * to the session counter.
 */
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { McpServerFactory } from '@modelcontextprotocol/server';
import { COUNTER_URI, createServerFactory, detectInstance, loadConfig, MemoryCounter, type ServerOptions } from '@mcp-on-aws/shared';

import { conformanceFixtures } from '../src/fixtures';

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
  const saved = process.env.MCP_CONFORMANCE_FIXTURES;
  afterEach(() => {
    if (saved === undefined) delete process.env.MCP_CONFORMANCE_FIXTURES;
    else process.env.MCP_CONFORMANCE_FIXTURES = saved;
  });

  it('are absent from the shared factory without the extension', async () => {
    const names = await toolNames({});
    expect(names).toContain('ping');
    expect(names.filter((name) => name.startsWith('test_') || name.startsWith('json_schema'))).toEqual([]);
  });

  it('stay absent whatever the environment says: the old MCP_CONFORMANCE_FIXTURES switch is gone', async () => {
    for (const value of ['1', 'true', '']) {
      process.env.MCP_CONFORMANCE_FIXTURES = value;
      expect(await toolNames({})).not.toContain('test_simple_text');
      expect(await toolNames({ extensions: [] })).not.toContain('test_simple_text');
    }
  });

  it('appear with the extension', async () => {
    delete process.env.MCP_CONFORMANCE_FIXTURES;
    const names = await toolNames({ extensions: [conformanceFixtures] });
    expect(names).toEqual(expect.arrayContaining(['ping', 'test_simple_text', 'test_sampling', 'json_schema_2020_12_tool', 'test_input_required_result_elicitation']));
  });

  it('answer with the exact texts the suite checks', async () => {
    const client = await connectTo(createServerFactory({ ...base, extensions: [conformanceFixtures] }));
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
    const client = await connectTo(createServerFactory({ ...base, counter: new MemoryCounter(), extensions: [conformanceFixtures] }));
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
