/**
 * The stateful server's metrics: each MCP request's, from its request log line (both eras, through
 * the real v2 client), and the session and store figures it writes once a minute: live sessions,
 * new sessions, forwarded requests, takeovers, and the latency of each DynamoDB operation.
 */
import { randomBytes } from 'node:crypto';

import { loadConfig, MetricSink, serve, type LogLine } from '@mcp-on-aws/shared';

import { conformanceFixtures } from '../../conformance/src/fixtures';
import { startDynalite, type LocalDynamo } from '../../local/dynalite';
import { raw } from '../../shared/test/support/raw-http';
import { datum, emfData, type EmfDatum } from '../../shared/test-support/emf';
import { expectNoEmf, expectRequestMetrics } from '../../shared/test-support/request-metrics';
import { createStatefulServer } from '../src/app';
import { DurableSessionStore } from '../src/durable/durable-session-store';
import { createLocalTable, sessionTable, type SessionTable } from '../src/durable/table';
import { loadSessionConfig } from '../src/session-config';
import { rawSession } from './support/stateful';

const SERVICE = 'stateful-mcp-on-ecs';
const instance = (id: string) => ({ id, platform: 'local' as const, version: '0.1.0' });

describe('request metrics of the stateful server, from its request log lines (EMF)', () => {
  it.each(['legacy', 'modern'] as const)('counts requests, errors and latency per method and tool, %s era', async (era) => {
    const lines: LogLine[] = [];
    const env = { MCP_METRICS: 'emf', MCP_SERVICE_NAME: SERVICE };
    const config = loadConfig(env);
    // The once-a-minute figures are the other test's; here they would only print.
    const metrics = new MetricSink(config.metrics, () => {});
    const stateful = createStatefulServer({ config, sessionConfig: loadSessionConfig(env), instance: instance('solo'), extensions: [conformanceFixtures], metrics, log: (l) => void lines.push(l) });
    const server = await serve(stateful.app, { port: 0, host: '127.0.0.1', deadlineMs: 1_000, onShutdown: stateful.onShutdown, log: () => {} });
    try {
      await expectRequestMetrics(server.url, lines, SERVICE, era);
    } finally {
      await server.shutdown();
    }
  });

  it('writes no EMF without MCP_METRICS=emf', async () => {
    const lines: LogLine[] = [];
    const stateful = createStatefulServer({ config: loadConfig({}), sessionConfig: loadSessionConfig({}), instance: instance('solo'), log: (l) => void lines.push(l) });
    const server = await serve(stateful.app, { port: 0, host: '127.0.0.1', deadlineMs: 1_000, onShutdown: stateful.onShutdown, log: () => {} });
    try {
      await expectNoEmf(server.url, lines);
    } finally {
      await server.shutdown();
    }
  });
});

describe('session and store metrics of durable sessions (two instances, one table, forwarding on)', () => {
  const sharedKey = randomBytes(32);
  const env = { MCP_METRICS: 'emf', MCP_SERVICE_NAME: SERVICE, MCP_REQUEST_STATE_KEY: sharedKey.toString('base64') };
  let dynamo: LocalDynamo;
  let table: SessionTable;

  /** An instance whose sessions and store report to its own sink, read back as parsed EMF. */
  async function start(id: string) {
    const records: Record<string, unknown>[] = [];
    const config = loadConfig(env);
    const metrics = new MetricSink(config.metrics, (line) => void records.push(JSON.parse(line)));
    const store = new DurableSessionStore(sessionTable(table.name, dynamo.endpoint, undefined, metrics), loadSessionConfig(env), { id }, () => {}, { sharedKey }, metrics);
    const stateful = createStatefulServer({ config, sessionConfig: loadSessionConfig(env), instance: instance(id), sessionStore: store, metrics, log: () => {} });
    const server = await serve(stateful.app, { port: 0, host: '127.0.0.1', deadlineMs: 1_000, onShutdown: stateful.onShutdown, log: () => {} });
    store.listening(server.url);
    const flushed = (): EmfDatum[] => {
      metrics.flush();
      return records.splice(0).flatMap((record) => emfData(record));
    };
    return { server, mcp: `${server.url}/mcp`, flushed };
  }

  beforeAll(async () => {
    dynamo = await startDynalite();
    table = sessionTable('sessions', dynamo.endpoint);
    await createLocalTable(table);
  });
  afterAll(async () => {
    table?.doc.destroy();
    await dynamo?.stop();
  });

  it('counts the session created, the live sessions, a forwarded request, a takeover and each store call', async () => {
    const [a, b] = await Promise.all([start('a'), start('b')]);
    try {
      const service = { Service: SERVICE };
      const session = await rawSession(a.mcp);
      const ping = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'ping', arguments: {} } });
      expect((await raw(a.mcp, { headers: session, body: ping(1) })).status).toBe(200);
      const onA = a.flushed();
      expect(datum(onA, 'SessionsCreated', service)?.values).toEqual([1]);
      expect(datum(onA, 'LiveSessions', service)?.values).toEqual([1]);
      // Registered with a conditional write, then its expiry refreshed: each call timed per operation.
      const writes = onA.filter((d) => d.name === 'StoreLatency').map((d) => d.dimensions.Operation);
      expect(writes).toContain('PutItem');
      for (const d of onA.filter((d) => d.name === 'StoreLatency')) expect(d).toMatchObject({ unit: 'Milliseconds', dimensions: { Service: SERVICE, Operation: expect.stringMatching(/^[A-Z]\w+$/) } });
      expect(onA.some((d) => d.name === 'StoreErrors')).toBe(false);

      // b does not hold the session: it forwards the request to a, which answers it.
      expect((await raw(b.mcp, { headers: session, body: ping(2) })).status).toBe(200);
      const onB = b.flushed();
      expect(datum(onB, 'ForwardedRequests', service)?.values).toEqual([1]);
      expect(datum(onB, 'Takeovers', service)).toBeUndefined();
      expect(datum(onB, 'LiveSessions', service)?.values).toEqual([0]);

      // a drains and hands the session over: b's next request takes it over.
      await a.server.shutdown();
      expect((await raw(b.mcp, { headers: session, body: ping(3) })).status).toBe(200);
      const afterTakeover = b.flushed();
      expect(datum(afterTakeover, 'Takeovers', service)?.values).toEqual([1]);
      expect(datum(afterTakeover, 'LiveSessions', service)?.values).toEqual([1]);
      expect(datum(afterTakeover, 'StoreLatency', { ...service, Operation: 'UpdateItem' })?.values.length).toBeGreaterThan(0);
    } finally {
      await Promise.all([a.server.shutdown(), b.server.shutdown()]);
    }
  }, 20_000);
});
