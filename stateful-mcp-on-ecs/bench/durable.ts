/**
 * What durable sessions cost, counted and measured in one run against dynalite:
 * - DynamoDB calls per request on the owning instance, counted by middleware on the client;
 * - the extra calls of the first request after a failover (another instance, same table);
 * - in-session `tools/call echo` throughput with the DynamoDB stores, as a ratio to the
 *   in-memory stores, alternating short rounds so a neighbour's burst hits both alike.
 * Servers run in this process (the table is dynalite on loopback), so absolute rates are low.
 *
 *   npm run bench:durable -w stateful-mcp-on-ecs     (BENCH_SECONDS=9 by default: load time per store)
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadConfig, serve } from '@mcp-on-aws/shared';
import autocannon from 'autocannon';

import { createStatefulServer } from '../src/app';
import { startDynalite } from '../../local/dynalite';
import { DurableSessionStore } from '../src/durable/durable-session-store';
import { OWNER_GRACE_MS } from '../src/durable/registry';
import { createLocalTable, sessionTable } from '../src/durable/table';
import { loadSessionConfig } from '../src/session-config';

const seconds = Number(process.env.BENCH_SECONDS ?? 9);
const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const rpc = (id: number, method: string, params: object) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const tool = (id: number, name: string, args: object = {}) => rpc(id, 'tools/call', { name, arguments: args });

async function main(): Promise<void> {
  const dynamo = await startDynalite();
  const calls = new Map<string, number>();
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  client.middlewareStack.add((next, context) => async (args) => {
    calls.set(context.commandName!, (calls.get(context.commandName!) ?? 0) + 1);
    return next(args);
  }, { step: 'initialize', name: 'countCalls' });
  const table = sessionTable('mcp-sessions', undefined, client);
  await createLocalTable(table);

  // One bench client plays thousands of clients from 127.0.0.1: the per-client limits would refuse it.
  const env = { MCP_ALLOWED_HOSTS: '127.0.0.1', MCP_MAX_SESSIONS: '100000', MCP_NEW_SESSIONS_PER_CLIENT_PER_MINUTE: '1000000', MCP_MAX_STREAMS_PER_CLIENT: '100000' };
  const config = loadConfig(env);
  const sessionConfig = loadSessionConfig(env);
  const start = async (id: string, durable: boolean) => {
    const instance = { id, platform: 'local' as const, version: '0' };
    const sessionStore = durable ? new DurableSessionStore(table, sessionConfig, instance, () => {}) : undefined;
    const stateful = createStatefulServer({ config, sessionConfig, instance, log: () => {}, sessionStore });
    const serving = await serve(stateful.app, { port: 0, host: '127.0.0.1', deadlineMs: 500, onShutdown: stateful.onShutdown, log: () => {} });
    return { ...serving, mcp: `${serving.url}/mcp` };
  };
  const [a, b, memory] = await Promise.all([start('a', true), start('b', true), start('m', false)]);

  const open = async (mcp: string) => {
    const init = await fetch(mcp, { method: 'POST', headers: json, body: rpc(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } }) });
    await init.text();
    const session = { ...json, 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
    await (await fetch(mcp, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
    return session;
  };
  const post = async (mcp: string, headers: Record<string, string>, body: string) => {
    const response = await fetch(mcp, { method: 'POST', headers, body });
    const text = await response.text();
    if (!response.ok || text.includes('"error"')) throw new Error(`${response.status} ${text}`);
  };
  const counted = async (n: number, run: () => Promise<void>) => {
    calls.clear();
    for (let i = 0; i < n; i++) await run();
    return [...calls].map(([name, count]) => `${name} ${(count / n).toFixed(2)}`).join(', ') || 'none';
  };

  const session = await open(a.mcp);
  const rows: Array<[string, string]> = [];
  rows.push(['tools/call ping (changes nothing)', await counted(100, () => post(a.mcp, session, tool(1, 'ping')))]);
  rows.push(['tools/call increment_counter', await counted(100, () => post(a.mcp, session, tool(2, 'increment_counter')))]);
  await post(a.mcp, session, rpc(3, 'resources/subscribe', { uri: 'session://counter' }));
  const stream = new AbortController();
  const get = await fetch(a.mcp, { headers: { ...session, accept: 'text/event-stream' }, signal: stream.signal });
  void get.body?.pipeTo(new WritableStream()).catch(() => {});
  rows.push(['tools/call increment_counter, subscribed, GET stream open', await counted(100, () => post(a.mcp, session, tool(4, 'increment_counter')))]);
  stream.abort();
  // Another instance takes a session over only once its owner has been quiet for the grace period.
  await new Promise((resolve) => setTimeout(resolve, OWNER_GRACE_MS));
  rows.push(['first tools/call ping on another instance (failover)', await counted(1, () => post(b.mcp, session, tool(5, 'ping')))]);
  rows.push(['the next tools/call ping there', await counted(1, () => post(b.mcp, session, tool(6, 'ping')))]);

  const rates = { dynamo: [] as number[], memory: [] as number[] };
  let dynamoRequests = 0;
  calls.clear();
  const targets = { dynamo: { mcp: a.mcp, headers: await open(a.mcp) }, memory: { mcp: memory.mcp, headers: await open(memory.mcp) } };
  const round = Math.max(1, Math.round(seconds / 3));
  for (let r = 0; r < 3; r++) {
    for (const kind of ['dynamo', 'memory'] as const) {
      const { mcp, headers } = targets[kind];
      const result = await autocannon({ url: mcp, method: 'POST', headers, body: tool(7, 'increment_counter'), connections: 10, duration: round });
      if (result.non2xx || result.errors) throw new Error(`${kind}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      rates[kind].push(result.requests.average);
      if (kind === 'dynamo') dynamoRequests += result.requests.total;
    }
  }
  const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;

  process.stdout.write('DynamoDB calls per request (client middleware count):\n');
  for (const [what, count] of rows) process.stdout.write(`  ${what.padEnd(60)} ${count}\n`);
  process.stdout.write(`tools/call increment_counter in one session, 10 connections, ${3 * round} s each:\n`);
  process.stdout.write(`  in-memory stores   ${mean(rates.memory).toFixed(0)} req/s\n`);
  process.stdout.write(`  DynamoDB (dynalite) ${mean(rates.dynamo).toFixed(0)} req/s   ${(mean(rates.dynamo) / mean(rates.memory)).toFixed(2)}x in-memory\n`);
  // Concurrent changes to one session may share a write: each response waits for one that includes its change.
  process.stdout.write(`  UpdateItem per request under this load: ${((calls.get('UpdateItemCommand') ?? 0) / dynamoRequests).toFixed(2)}\n`);

  await Promise.all([a.shutdown(), b.shutdown(), memory.shutdown()]);
  client.destroy();
  await dynamo.stop();
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
