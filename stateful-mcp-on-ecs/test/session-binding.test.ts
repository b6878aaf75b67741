/**
 * A 2025-era session belongs to the principal that initialized it. Another principal's POST, GET
 * stream (with or without `Last-Event-ID`) and DELETE get exactly the 404 of an unknown session, on
 * the instance that holds it and on another one that would take it over (durable sessions); the
 * owner carries on as if nothing happened. The signed `requestState` is bound to the principal too,
 * in both eras, and no log line names a whole session id. Real servers over loopback, tokens from a
 * real JWKS issuer, the real v2 client for the owner; the intruder sends raw HTTP, so its answers
 * can be compared byte for byte.
 */
import { randomBytes, randomUUID } from 'node:crypto';

import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createRequestStateCodec, type AuthInfo } from '@modelcontextprotocol/server';
import { confirmStateFor, sessionTag, STATE_MISMATCH, type ConfirmState, type LogLine } from '@mcp-on-aws/shared';
import { GetCommand } from '@aws-sdk/lib-dynamodb';

import { startDynalite, type LocalDynamo } from '../../local/dynalite';
import { connect, text } from '../../shared/test/support/clients';
import { raw, type RawResponse } from '../../shared/test/support/raw-http';
import { startJwtIssuer, type JwtIssuer } from '../../shared/test-support/jwt-issuer';
import { DurableSessionStore } from '../src/durable/durable-session-store';
import { OWNER_GRACE_MS } from '../src/durable/registry';
import { createLocalTable, META, pk, sessionTable, type SessionTable } from '../src/durable/table';
import { loadSessionConfig } from '../src/session-config';
import { startStateful } from './support/stateful';

type Server = Awaited<ReturnType<typeof startStateful>>;

/** Every instance answers for one public URL, as behind the ALB: one token audience for all of them. */
const RESOURCE = 'http://127.0.0.1/mcp';
const stateKey = randomBytes(32);
const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const call = (id: number, name: string, args: object = {}, extra: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...extra } });

let issuer: JwtIssuer;
const bearer = (sub: string) => `Bearer ${issuer.mint({ aud: RESOURCE, sub })}`;
const env = () => ({ MCP_AUTH_ISSUER: issuer.issuer, MCP_AUTH_JWKS_URI: issuer.jwksUri, MCP_AUTH_SCOPES: 'mcp', MCP_RESOURCE_URL: RESOURCE, MCP_REQUEST_STATE_KEY: stateKey.toString('base64') });
/** Every log line of every server in this file. */
const logged: LogLine[] = [];
const log = (line: LogLine) => void logged.push(line);
/** Every session id the owners were given, to look for in the logs. */
const ids: string[] = [];

beforeAll(async () => (issuer = await startJwtIssuer()));
afterAll(() => issuer?.close());

/** Alice's session through the real v2 client, with her token on every request. */
async function aliceSession(url: string) {
  const client = await connect(url, 'legacy', { action: 'accept', content: { confirm: true } }, issuer.mint({ aud: RESOURCE, sub: 'alice' }));
  const id = (client.transport as StreamableHTTPClientTransport).sessionId!;
  ids.push(id);
  return { client, id, increment: async () => text(await client.callTool({ name: 'increment_counter', arguments: {} })) };
}

/** The session verbs, sent for `sessionId` with `authorization` (none: no token, for a server with authentication off). */
function verbs(mcp: string, sessionId: string, authorization?: string): Array<[string, () => Promise<RawResponse>]> {
  const headers = { ...json, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25', ...(authorization && { authorization }) };
  return [
    ['POST', () => raw(mcp, { headers, body: call(7, 'increment_counter') })],
    ['GET', () => raw(mcp, { method: 'GET', headers: { ...headers, accept: 'text/event-stream' } })],
    ['GET with Last-Event-ID', () => raw(mcp, { method: 'GET', headers: { ...headers, accept: 'text/event-stream', 'last-event-id': '1' } })],
    ['DELETE', () => raw(mcp, { method: 'DELETE', headers })],
  ];
}

/** What a client is told: status, content type and body. */
const seen = ({ status, headers, text }: RawResponse) => ({ status, type: headers['content-type'], text });

/** Each verb on `sessionId` answers exactly as it does on a session nobody ever had. */
async function expectUnknown(mcp: string, sessionId: string, authorization?: string): Promise<void> {
  const unknown = verbs(mcp, randomUUID(), authorization);
  for (const [i, [verb, send]] of verbs(mcp, sessionId, authorization).entries()) {
    const [intruder, nobody] = [seen(await send()), seen(await unknown[i]![1]())];
    expect({ verb, ...intruder }).toEqual({ verb, ...nobody });
    expect(intruder.status).toBe(404);
    expect(JSON.parse(intruder.text).error).toEqual({ code: -32001, message: 'Session not found: start a new session with initialize' });
  }
}

describe('sessions in memory: one instance', () => {
  let server: Server;
  beforeAll(async () => void (server = await startStateful(env(), 'solo', 2_000, undefined, log)));
  afterAll(() => server?.shutdown());

  it("answers another principal's POST, GET (with and without Last-Event-ID) and DELETE on a session as for an unknown one; the owner carries on", async () => {
    const alice = await aliceSession(server.url);
    try {
      expect([await alice.increment(), await alice.increment()]).toEqual(['1', '2']);
      await expectUnknown(server.mcp, alice.id, bearer('bob'));
      // Bob's POST counted nothing and his DELETE ended nothing.
      expect(await alice.increment()).toBe('3');
      expect(server.stateful.sessions.has(alice.id)).toBe(true);
    } finally {
      await alice.client.close();
    }
  });

  describe('binds confirm_action\'s requestState to the principal', () => {
    const modern = (authorization: string, extra: object = {}) =>
      raw(server.mcp, {
        headers: { ...json, authorization, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'confirm_action' },
        body: call(1, 'confirm_action', { action: 'drop the table' }, {
          _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } } },
          ...extra,
        }),
      });
    const accepted = { inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } };
    const resultOf = (response: RawResponse) => JSON.parse(/^data: (.+)$/m.exec(response.text)?.[1] ?? response.text).result as { requestState?: string; isError?: boolean; content?: Array<{ text: string }> };

    it('2026 era: a state Alice received does not confirm Bob\'s call; it still confirms hers', async () => {
      const { requestState } = resultOf(await modern(bearer('alice')));
      expect(requestState).toEqual(expect.any(String));
      expect(resultOf(await modern(bearer('bob'), { requestState, ...accepted }))).toMatchObject({ isError: true, content: [{ text: STATE_MISMATCH }] });
      expect(resultOf(await modern(bearer('alice'), { requestState, ...accepted }))).toMatchObject({ content: [{ text: 'Done: "drop the table" was confirmed.' }] });
    });

    it('2025 era: in Alice\'s own session, a state minted for another principal is refused, hers confirms', async () => {
      const alice = await aliceSession(server.url);
      try {
        const codec = createRequestStateCodec<ConfirmState>({ key: stateKey, ttlSeconds: 60 });
        const principal = (subject: string) => ({ token: '', clientId: 'client-1', scopes: ['mcp'], extra: { issuer: issuer.issuer, subject } }) as AuthInfo;
        const present = async (subject: string) => {
          const requestState = await codec.mint(confirmStateFor('confirm_action', { action: 'x' }, alice.id, principal(subject)), {} as never);
          const response = await raw(server.mcp, {
            headers: { ...json, authorization: bearer('alice'), 'mcp-session-id': alice.id, 'mcp-protocol-version': '2025-11-25' },
            body: call(1, 'confirm_action', { action: 'x' }, { requestState, ...accepted }),
          });
          return response.text;
        };
        expect(await present('bob')).toContain(STATE_MISMATCH);
        expect(await present('alice')).toContain('Done: \\"x\\" was confirmed.');
        // And through the SDK's shim, end to end: the state it mints and checks is Alice's.
        expect(text(await alice.client.callTool({ name: 'confirm_action', arguments: { action: 'y' } }))).toBe('Done: "y" was confirmed.');
      } finally {
        await alice.client.close();
      }
    });
  });
});

describe('durable sessions: another instance would take the session over', () => {
  let dynamo: LocalDynamo;
  let table: SessionTable;
  /** `a` and `b` check tokens; `open` runs without authentication (a misconfigured task) on the same table. */
  let a: Server, b: Server, open: Server;
  const item = async (id: string) => (await table.doc.send(new GetCommand({ TableName: table.name, Key: { pk: pk(id), sk: META }, ConsistentRead: true }))).Item!;
  const instance = (id: string, settings: NodeJS.ProcessEnv) => startStateful(settings, id, 2_000, new DurableSessionStore(table, loadSessionConfig(settings), { id }, log), log);
  const graceOver = () => new Promise((resolve) => setTimeout(resolve, OWNER_GRACE_MS + 100));

  beforeAll(async () => {
    dynamo = await startDynalite();
    table = sessionTable('sessions', dynamo.endpoint);
    await createLocalTable(table);
    [a, b, open] = await Promise.all([instance('a', env()), instance('b', env()), instance('open', { MCP_AUTH: 'none', MCP_REQUEST_STATE_KEY: stateKey.toString('base64') })]);
  });
  afterAll(async () => {
    await Promise.all([a, b, open].map((s) => s?.shutdown()));
    table?.doc.destroy();
    await dynamo?.stop();
  });

  it("answers another principal, and a request with no principal, as for an unknown session, and takes nothing over; the owner carries on, and can still move", async () => {
    const alice = await aliceSession(a.url);
    try {
      expect([await alice.increment(), await alice.increment()]).toEqual(['1', '2']);
      expect(await item(alice.id)).toMatchObject({ owner: 'a', epoch: 1, principal: expect.stringMatching(/^[\w-]{43}$/) });
      // Past the grace period a quiet owner's session is free to take over: only the principal stands in the way.
      await graceOver();
      await expectUnknown(b.mcp, alice.id, bearer('bob'));
      await expectUnknown(open.mcp, alice.id);
      expect(await item(alice.id)).toMatchObject({ owner: 'a', epoch: 1, counter: 2 });
      expect([b, open].map((s) => s.stateful.sessions.has(alice.id))).toEqual([false, false]);

      expect(await alice.increment()).toBe('3');
      await graceOver();
      // Alice herself moves to b (a balancer re-routing her): b takes the session over for her.
      const moved = await raw(b.mcp, { headers: { ...json, authorization: bearer('alice'), 'mcp-session-id': alice.id, 'mcp-protocol-version': '2025-11-25' }, body: call(8, 'increment_counter') });
      expect([moved.status, /"text":"(\d+)"/.exec(moved.text)?.[1]]).toEqual([200, '4']);
      expect(await item(alice.id)).toMatchObject({ owner: 'b', epoch: 2, counter: 4 });
      // a's copy is stale now: its next write fails, and the session is lost there (logged below).
      await expect(alice.client.callTool({ name: 'increment_counter', arguments: {} })).rejects.toThrow(/moved to another instance/);
    } finally {
      await alice.client.close().catch(() => {});
    }
  }, 20_000);
});

describe('durable sessions with forwarding: another instance forwards to the owner, which checks again', () => {
  let dynamo: LocalDynamo;
  let table: SessionTable;
  let a: Server, b: Server;
  const item = async (id: string) => (await table.doc.send(new GetCommand({ TableName: table.name, Key: { pk: pk(id), sk: META }, ConsistentRead: true }))).Item!;
  const instance = async (id: string) => {
    const store = new DurableSessionStore(table, loadSessionConfig(env()), { id }, log, { sharedKey: stateKey });
    const server = await startStateful(env(), id, 2_000, store, log);
    store.listening(server.url);
    return server;
  };

  beforeAll(async () => {
    dynamo = await startDynalite();
    table = sessionTable('sessions', dynamo.endpoint);
    await createLocalTable(table);
    [a, b] = await Promise.all([instance('a'), instance('b')]);
  });
  afterAll(async () => {
    await Promise.all([a, b].map((s) => s?.shutdown()));
    table?.doc.destroy();
    await dynamo?.stop();
  });

  it("answers another principal as for an unknown session, before and after the instance has forwarded the owner's requests; the owner's go through", async () => {
    const alice = await aliceSession(a.url);
    try {
      expect(await alice.increment()).toBe('1');
      // b reads the table and refuses at once: nothing is forwarded.
      await expectUnknown(b.mcp, alice.id, bearer('bob'));
      const viaB = (id: number) => raw(b.mcp, { headers: { ...json, authorization: bearer('alice'), 'mcp-session-id': alice.id, 'mcp-protocol-version': '2025-11-25' }, body: call(id, 'increment_counter') });
      expect(/"text":"(\d+)"/.exec((await viaB(8)).text)?.[1]).toBe('2');
      // Now b knows the owner and forwards without reading the table: a, the owner, refuses Bob.
      await expectUnknown(b.mcp, alice.id, bearer('bob'));
      expect(/"text":"(\d+)"/.exec((await viaB(9)).text)?.[1]).toBe('3');
      expect(await item(alice.id)).toMatchObject({ owner: 'a', epoch: 1, counter: 3 });
      expect(await alice.increment()).toBe('4');
    } finally {
      await alice.client.close();
    }
  });
});

describe('the logs of this file\'s servers', () => {
  it('name sessions by their tag, never by their id', () => {
    expect(ids.length).toBeGreaterThanOrEqual(3);
    const lines = logged.map((line) => JSON.stringify(line));
    for (const id of ids) {
      expect(lines.filter((line) => line.includes(id))).toEqual([]);
      expect(lines.some((line) => line.includes(sessionTag(id)!))).toBe(true);
    }
    // The lines that once carried a whole id in their error: the stale copy's loss.
    expect(logged.filter((line) => line.msg === 'session lost here; closing its transport')).not.toEqual([]);
  });
});
