/**
 * What ships: the handler bundled exactly as the stack bundles it (the SDK's shims replaced by
 * src/sdk-shims.ts), loaded by a fresh Node process per "execution environment", answering real-shaped
 * events. Two processes share only the signing key, as two Lambda environments do.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { build } from 'esbuild';

import { esbuildOptions, invokerOptions } from '../infra/bundling';
import { HOST, json, modernHeaders, modernMeta, restEvent, rpc } from './support/events';

const env = { ...process.env, NODE_ENV: 'production', MCP_ALLOWED_HOSTS: HOST, MCP_REQUEST_STATE_KEY: Buffer.alloc(32, 9).toString('base64'), MCP_AUTH: 'none' };

describe('the bundle the stack ships', () => {
  let dir: string;
  let bundle: string;
  let invoker: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-lambda-bundle-'));
    bundle = join(dir, 'index.js');
    invoker = join(dir, 'invoke.cjs');
    await Promise.all([build(esbuildOptions(bundle)), build(invokerOptions(invoker))]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const invoke = (events: unknown[]) => {
    const out = execFileSync(process.execPath, [invoker, bundle], { input: JSON.stringify(events), env, encoding: 'utf8' });
    return JSON.parse(out.trimEnd().split('\n').pop()!);
  };

  it('contains no Express and no AJV', () => {
    const text = readFileSync(bundle, 'utf8');
    expect(/\b(?:express|body-parser|iconv|ajv)\b/i.exec(text)?.[0]).toBeUndefined();
    expect(statSync(bundle).size).toBeLessThan(500 * 1024);
  });

  it('has no source map for Node to load at cold start', () => {
    expect(readFileSync(bundle, 'utf8')).not.toContain('sourceMappingURL');
    expect(existsSync(`${bundle}.map`)).toBe(false);
  });

  it('contains no conformance fixture: only conformance/src/servers adds them', () => {
    const text = readFileSync(bundle, 'utf8');
    expect(/test_simple_text|test_trigger_tool_change|test:\/\/static-text/.exec(text)?.[0]).toBeUndefined();
  });

  it('lists the tools in a fresh process, streamed as SSE text', () => {
    const [result] = invoke([restEvent({ headers: json, body: rpc('tools/list') })]);
    expect(result).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/event-stream' }, isBase64Encoded: false });
    expect(result.body).toMatch(/^event: message\ndata: .*"name":"confirm_action"/);
  });

  it('completes confirm_action across two execution environments that share only the key', () => {
    const _meta = { ...modernMeta, 'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } } };
    const call = (extra: Record<string, unknown> = {}) =>
      restEvent({ headers: modernHeaders('tools/call', 'confirm_action'), body: rpc('tools/call', { name: 'confirm_action', arguments: { action: 'ship it' }, _meta, ...extra }) });
    const [asked] = invoke([call()]);
    const question = JSON.parse(asked.body).result;
    expect(question.resultType).toBe('input_required');
    const [done] = invoke([call({ requestState: question.requestState, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } })]);
    expect(JSON.parse(done.body).result.content).toEqual([{ type: 'text', text: 'Done: "ship it" was confirmed.' }]);
  });
});
