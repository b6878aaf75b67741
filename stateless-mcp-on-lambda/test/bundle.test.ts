/**
 * What ships: the handler bundled exactly as the stack bundles it (the SDK's shims replaced by
 * src/sdk-shims.ts), loaded by a fresh Node process per "execution environment", answering real-shaped
 * events. Two processes share only the signing key, as two Lambda environments do.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { build } from 'esbuild';

import { startJwtIssuer, strayKey } from '../../shared/test-support/jwt-issuer';
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

  it('checks bearer tokens with aws-jwt-verify, which the bundle loads with the first token, not at cold start', async () => {
    const issuer = await startJwtIssuer();
    const resource = `https://${HOST}/prod/mcp`;
    const auth = { MCP_AUTH: 'oauth', MCP_AUTH_ISSUER: issuer.issuer, MCP_AUTH_JWKS_URI: issuer.jwksUri, MCP_RESOURCE_URL: resource };
    const call = (authorization?: string) =>
      restEvent({ headers: { ...json, ...(authorization && { Authorization: authorization }) }, body: rpc('tools/call', { name: 'echo', arguments: { message: 'signed' } }) });
    const good = `Bearer ${issuer.mint({ aud: resource })}`;
    const forged = `Bearer ${issuer.mint({ aud: resource }, strayKey())}`;
    // The invoker blocks nothing here: the issuer in this process answers the bundle's JWKS fetch.
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = execFile(process.execPath, [invoker, bundle], { env: { ...env, ...auth }, encoding: 'utf8' }, (error, out) => (error ? reject(error) : resolve(out)));
      child.stdin!.end(JSON.stringify([call(), call(good), call(forged)]));
    }).finally(() => issuer.close());
    const [missing, accepted, refused] = JSON.parse(stdout.trimEnd().split('\n').pop()!);
    expect(missing).toMatchObject({ statusCode: 401 });
    expect(accepted).toMatchObject({ statusCode: 200 });
    expect(accepted.body).toContain('signed');
    expect(refused).toMatchObject({ statusCode: 401 });
  });
});

describe('tracing in the bundle', () => {
  let dir: string;
  let invoker: string;
  const bundles = { off: '', on: '' };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-lambda-tracing-'));
    invoker = join(dir, 'invoke.cjs');
    bundles.off = join(dir, 'off/index.js');
    bundles.on = join(dir, 'on/index.js');
    await Promise.all([build(esbuildOptions(bundles.off)), build(esbuildOptions(bundles.on, { tracing: true })), build(invokerOptions(invoker))]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const echo = restEvent({ headers: json, body: rpc('tools/call', { name: 'echo', arguments: { message: 'traced' } }) });
  const invokeWith = (bundle: string, extra: NodeJS.ProcessEnv) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [invoker, bundle], { env: { ...env, ...extra }, encoding: 'utf8' }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(JSON.stringify([echo]));
    });

  it('leaves the OpenTelemetry SDK out of the default bundle (about 80 KB a cold start would parse), and says how to trace if tracing is set on it anyway', async () => {
    expect(statSync(bundles.on).size - statSync(bundles.off).size).toBeGreaterThan(60 * 1024);
    expect(readFileSync(bundles.off, 'utf8')).not.toContain('resourceSpans');
    const { code, stdout, stderr } = await invokeWith(bundles.off, { MCP_TRACING: 'xray-udp', AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:9' });
    expect(code).not.toBe(0);
    expect(`${stdout}${stderr}`).toContain('deploy the stack with -c tracing=true');
  });

  it('sends each span to the X-Ray daemon from the bundle -c tracing=true ships, a child of the invocation\'s trace', async () => {
    expect(readFileSync(bundles.on, 'utf8')).toContain('resourceSpans');
    const daemon = createSocket('udp4');
    const datagrams: Buffer[] = [];
    daemon.on('message', (message) => void datagrams.push(message));
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    try {
      const { code, stdout } = await invokeWith(bundles.on, {
        MCP_TRACING: 'xray-udp',
        AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(daemon.address() as AddressInfo).port}`,
        _X_AMZN_TRACE_ID: 'Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1',
      });
      expect(code).toBe(0);
      expect(JSON.parse(stdout.trimEnd().split('\n').pop()!)[0]).toMatchObject({ statusCode: 200 });
      for (let i = 0; i < 50 && datagrams.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      daemon.close();
    }
    expect(datagrams.length).toBeGreaterThan(0);
    const text = datagrams[0]!.toString();
    expect(text.startsWith('{"format":"json","version":1}\nT1S')).toBe(true);
    // The OTLP protobuf carries the trace id as raw bytes: the invocation's X-Ray root, 67891233abcdef012345678912345678.
    expect(Buffer.from(text.slice(text.indexOf('T1S') + 3), 'base64').includes(Buffer.from('67891233abcdef012345678912345678', 'hex'))).toBe(true);
  });
});
