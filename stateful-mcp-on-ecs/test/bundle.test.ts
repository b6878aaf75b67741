/**
 * The bundle the image ships (shared/build-bundle.ts: ESM, split into chunks), run as the image runs
 * it: plain Node with the Dockerfile CMD's flags and `NODE_ENV=production`. A memory-mode process
 * never loads the durable store's code or OpenTelemetry (together 22 MiB of RSS at rest), nor
 * aws-jwt-verify before the first token; a process with `MCP_SESSION_TABLE` loads the store's
 * chunk and keeps its sessions in the table.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { GetCommand } from '@aws-sdk/lib-dynamodb';

import { startDynalite, type LocalDynamo } from '../../local/dynalite';
import { startServerProcess } from '../../local/processes';
import { raw } from '../../shared/test/support/raw-http';
import { buildImageBundle, imageCommand } from '../../shared/test-support/dockerfile';
import { META, pk, sessionTable } from '../src/durable/table';
import { rawSession } from './support/stateful';

/** The files a module loads before it runs: its static imports, recursively (esbuild writes them as `from"./x.mjs"` or `import"./x.mjs"`). */
function staticallyLoaded(file: string, seen = new Set<string>()): Set<string> {
  seen.add(file);
  for (const [, path] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*"(\.\.?\/[^"]+\.mjs)"/g)) {
    const imported = join(dirname(file), path!);
    if (!seen.has(imported)) staticallyLoaded(imported, seen);
  }
  return seen;
}

/** The chunks a module loads only when an `import()` runs. */
const dynamicallyImported = (file: string) => [...readFileSync(file, 'utf8').matchAll(/import\("(\.\.?\/[^"]+\.mjs)"\)/g)].map(([, path]) => join(dirname(file), path!));

describe('the stateful bundle, as the image runs it', () => {
  const { nodeFlags } = imageCommand();
  let main: string;
  const production = {
    NODE_ENV: 'production',
    NODE_OPTIONS: nodeFlags.join(' '),
    MCP_ALLOWED_HOSTS: '127.0.0.1',
    MCP_REQUEST_STATE_KEY: randomBytes(32).toString('base64'),
    MCP_AUTH: 'none', // production mode needs an authentication decision; these tests are about the bundle
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  beforeAll(async () => {
    main = await buildImageBundle('stateful-mcp-on-ecs');
  }, 60_000);
  afterAll(() => main && rmSync(dirname(main), { recursive: true, force: true }));

  it('starts without the durable store (DynamoDB client, undici), the OpenTelemetry API and SDK or aws-jwt-verify: each is in chunks loaded only by import()', () => {
    const atStart = [...staticallyLoaded(main)];
    const later = [...new Set(atStart.flatMap(dynamicallyImported).flatMap((file) => [...staticallyLoaded(file)]))].filter((file) => !atStart.includes(file));
    const holding = (files: string[], code: string) => files.filter((file) => readFileSync(file, 'utf8').includes(code));
    // Text only each library's code has: the DynamoDB API version, an undici error code, the OTel API's global key, the OTLP exporter's path, a JWT error class.
    for (const code of ['"DynamoDB_20120810"', 'UND_ERR_CONNECT_TIMEOUT', 'opentelemetry.js.api', 'v1/traces', 'JwtInvalidSignatureAlgorithmError']) {
      expect([code, holding(atStart, code)]).toEqual([code, []]);
      expect([code, holding(later, code)]).toEqual([code, [expect.stringContaining(join(dirname(main), 'chunks'))]]);
    }
  });

  describe('with MCP_SESSION_TABLE (dynalite)', () => {
    let dynamo: LocalDynamo;
    beforeAll(async () => {
      dynamo = await startDynalite();
    });
    afterAll(() => dynamo?.stop());

    it('loads the durable store and keeps the session it opens, and its counter, in the table', async () => {
      const server = await startServerProcess(main, { ...production, MCP_SESSION_TABLE: 'bundle-sessions', MCP_DYNAMODB_ENDPOINT: dynamo.endpoint });
      const table = sessionTable('bundle-sessions', dynamo.endpoint);
      try {
        const mcp = `${server.url}/mcp`;
        const session = await rawSession(mcp);
        const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'increment_counter', arguments: {} } };
        const answer = await raw(mcp, { headers: session, body: JSON.stringify(call) });
        expect(answer.status).toBe(200);
        expect(answer.text).toContain('"structuredContent":{"value":1}');
        const stored = await table.doc.send(new GetCommand({ TableName: 'bundle-sessions', Key: { pk: pk(session['mcp-session-id']), sk: META }, ConsistentRead: true }));
        expect(stored.Item).toMatchObject({ counter: 1, initialize: expect.stringContaining('"method":"initialize"') });
      } finally {
        table.doc.destroy();
        await server.stop('SIGKILL');
      }
    }, 60_000);
  });
});
