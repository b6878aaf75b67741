/**
 * What a client can make a durable session's item (and so every write of it) cost. The item holds
 * a bounded part of `initialize`, the settings the server accepted, and the GET-stream event
 * window; an `initialize` past its bounds is refused with 400 before anything is stored. The
 * write units are DynamoDB's own count: dynalite answers `ReturnConsumedCapacity: 'TOTAL'` as
 * DynamoDB does (one unit per KB of the larger of the item before and after the write), read here
 * by a middleware on the test's client. With authentication on, the item also holds the principal's
 * digest, whatever the length of the token's subject.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { COUNTER_URI } from '@mcp-on-aws/shared';

import { raw } from '../../shared/test/support/raw-http';
import { startJwtIssuer, type JwtIssuer } from '../../shared/test-support/jwt-issuer';
import { startDynalite, type LocalDynamo } from '../../local/dynalite';
import { DurableSessionStore } from '../src/durable/durable-session-store';
import { createLocalTable, META, pk, sessionTable, type SessionTable } from '../src/durable/table';
import { loadSessionConfig } from '../src/session-config';
import { INITIALIZE_LIMITS } from '../src/session-initialize';
import { quiet, startStateful } from './support/stateful';

/** Write units per write of a session item, whatever the client sends, with the default window of 100 GET-stream events. */
const WCU_BOUND = 13;

const plain = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const RESOURCE = 'http://127.0.0.1/mcp';
const rpc = (id: number, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const initializeWith = (params: object) => rpc(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' }, ...params });

describe.each([
  ['without authentication', false],
  ['with authentication, a 2,000-character subject', true],
])('what a client can make a durable session write cost (dynalite, ConsumedCapacity), %s', (label, auth) => {
  let issuer: JwtIssuer | undefined;
  let headers: Record<string, string> = plain;
  let dynamo: LocalDynamo;
  let table: SessionTable;
  let a: Awaited<ReturnType<typeof startStateful>>;
  /** Every write the table's client made: command and write units. */
  const writes: Array<{ command: string; units: number }> = [];
  const item = async (id: string) => (await table.doc.send(new GetCommand({ TableName: 'sessions', Key: { pk: pk(id), sk: META }, ConsistentRead: true }))).Item!;
  const open = async (params: object = {}) => {
    const init = await raw(a.mcp, { headers, body: initializeWith(params) });
    expect(init.status).toBe(200);
    const session = { ...headers, 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
    await raw(a.mcp, { headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    return session;
  };

  beforeAll(async () => {
    dynamo = await startDynalite();
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { ReturnConsumedCapacity?: string };
        if (/^(Put|Update)Item/.test(context.commandName!)) input.ReturnConsumedCapacity = 'TOTAL';
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity;
        if (consumed) writes.push({ command: context.commandName!, units: consumed.CapacityUnits! });
        return result;
      },
      { step: 'initialize', name: 'consumedCapacity' },
    );
    table = sessionTable('sessions', undefined, client);
    await createLocalTable(table);
    if (auth) {
      issuer = await startJwtIssuer();
      headers = { ...plain, authorization: `Bearer ${issuer.mint({ aud: RESOURCE, sub: 's'.repeat(2_000) })}` };
    }
    const env = issuer ? { MCP_AUTH_ISSUER: issuer.issuer, MCP_AUTH_JWKS_URI: issuer.jwksUri, MCP_RESOURCE_URL: RESOURCE } : {};
    a = await startStateful(env, 'a', 2_000, new DurableSessionStore(table, loadSessionConfig({}), { id: 'a' }, quiet));
  });
  afterAll(async () => {
    await a?.shutdown();
    await issuer?.close();
    table?.doc.destroy();
    await dynamo?.stop();
  });

  it.each([
    ['a 380 KB clientInfo.name', { clientInfo: { name: 'n'.repeat(380_000), version: '1' } }, /clientInfo\.name is longer than 256 characters/],
    ['a 1 KB clientInfo.version', { clientInfo: { name: 'raw', version: 'v'.repeat(1_000) } }, /clientInfo\.version is longer than 64 characters/],
    ['a 1 KB protocolVersion', { protocolVersion: '2'.repeat(1_000) }, /protocolVersion is longer than 32 characters/],
    ['50 KB of sampling capabilities', { capabilities: { sampling: { pad: 'p'.repeat(50_000) } } }, /capabilities take more than 1024 bytes/],
  ])('refuses an initialize with %s: 400 and -32602, and nothing stored', async (_name, params, message) => {
    writes.length = 0;
    const response = await raw(a.mcp, { headers, body: initializeWith(params) });
    expect(response.status).toBe(400);
    expect(response.headers['mcp-session-id']).toBeUndefined();
    expect(response.error).toEqual({ code: -32602, message: expect.stringMatching(message) });
    expect(writes).toEqual([]);
  });

  it('stores only what rebuilding the session needs of its initialize', async () => {
    const padding = 'p'.repeat(50_000);
    const session = await open({
      capabilities: { sampling: {}, elicitation: {}, experimental: { padding: { padding } } },
      clientInfo: { name: 'raw', version: '1', title: padding, description: padding, websiteUrl: `https://example.com/${padding}` },
      _meta: { padding },
    });
    expect(JSON.parse((await item(session['mcp-session-id'])).initialize)).toEqual({
      jsonrpc: '2.0',
      id: 'rehydrate-initialize',
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: { sampling: {}, elicitation: {} }, clientInfo: { name: 'raw', version: '1' } },
    });
  });

  it('stores a setting only once the server accepted it', async () => {
    const session = await open();
    const id = session['mcp-session-id'];
    const refused = [
      rpc(1, 'logging/setLevel', { level: 'bogus' }),
      rpc(2, 'resources/subscribe', { uri: `session://${'u'.repeat(90_000)}` }),
      rpc(3, 'resources/subscribe', { uri: 'session://not-a-resource' }),
    ];
    for (const body of refused) expect((await raw(a.mcp, { headers: session, body })).error?.code).toBe(-32602);
    expect(await item(id)).not.toHaveProperty('logLevel');
    expect((await item(id)).subscriptions).toEqual([]);

    await raw(a.mcp, { headers: session, body: rpc(4, 'logging/setLevel', { level: 'debug' }) });
    await raw(a.mcp, { headers: session, body: rpc(5, 'resources/subscribe', { uri: COUNTER_URI }) });
    expect(await item(id)).toMatchObject({ logLevel: 'debug', subscriptions: [COUNTER_URI] });
  });

  /** Opens a session with a GET stream open, runs `client` on it, then 120 counter increments announced on the stream (the window holds 100); the write units of each UpdateItem. */
  async function unitsPerWrite(initialize: object, client: (send: (method: string, params: object) => Promise<unknown>) => Promise<void>): Promise<number[]> {
    const session = await open(initialize);
    const stream = new AbortController();
    const get = await fetch(a.mcp, { headers: { ...session, accept: 'text/event-stream' }, signal: stream.signal });
    void get.body?.pipeTo(new WritableStream()).catch(() => {});
    writes.length = 0;
    try {
      let id = 1;
      const send = (method: string, params: object) => raw(a.mcp, { headers: session, body: rpc(id++, method, params) });
      await client(send);
      await send('resources/subscribe', { uri: COUNTER_URI });
      for (let n = 0; n < 120; n++) await send('tools/call', { name: 'increment_counter', arguments: {} });
      return writes.filter((w) => w.command === 'UpdateItemCommand').map((w) => w.units);
    } finally {
      stream.abort();
    }
  }

  it(`keeps every write of a session within ${WCU_BOUND} write units, whatever the client sends`, async () => {
    const benign = await unitsPerWrite({}, async () => {});
    const padding = 'p'.repeat(50_000);
    // Every kept part of initialize at its limit, and everything else a client may add at any size.
    const capabilities = { sampling: { pad: 'p'.repeat(INITIALIZE_LIMITS.capabilitiesBytes - 30) }, experimental: { padding: { padding } } };
    const clientInfo = { name: 'n'.repeat(INITIALIZE_LIMITS.clientNameChars), version: 'v'.repeat(INITIALIZE_LIMITS.clientVersionChars), title: padding };
    const adversarial = await unitsPerWrite({ capabilities, clientInfo, _meta: { padding } }, async (send) => {
      for (let n = 0; n < 20; n++) await send('logging/setLevel', { level: `bogus-${'b'.repeat(n * 1_000)}` });
      await send('resources/subscribe', { uri: `session://${'u'.repeat(90_000)}` });
      for (let n = 0; n < 20; n++) await send('resources/subscribe', { uri: `session://counter/${n}` });
      await send('logging/setLevel', { level: 'emergency' });
      // Big answers go out on the request's own stream, which the table does not keep.
      for (let n = 0; n < 5; n++) await send('tools/call', { name: 'echo', arguments: { message: padding.repeat(10) } });
    });
    const max = (units: number[]) => Math.max(...units);
    process.stdout.write(
      `write units per UpdateItem ${label}, 120 counter events through a window of 100: benign session first ${benign[0]}, max ${max(benign)} (${benign.length} writes); ` +
        `adversarial session first ${adversarial[0]}, max ${max(adversarial)} (${adversarial.length} writes); bound ${WCU_BOUND}\n`,
    );
    expect(benign.length).toBeGreaterThanOrEqual(121);
    expect(adversarial.length).toBeGreaterThanOrEqual(122);
    expect(max(adversarial)).toBeLessThanOrEqual(WCU_BOUND);
    // All a client controls (the bounded initialize and settings) adds at most 2 KB to the item.
    expect(max(adversarial) - max(benign)).toBeLessThanOrEqual(2);
  }, 60_000);
});
