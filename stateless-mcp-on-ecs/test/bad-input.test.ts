/**
 * What this server adds at its HTTP boundary, on the real process configured the way the stack
 * configures it: production mode, the ALB's DNS name as the only allowed Host, a shared key.
 * The generic cases (malformed JSON, sizes, content types) are pinned in shared/test/bad-input.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import { asHttp, badInputCorpus } from '../../shared/test-support/bad-input';
import { raw } from '../../shared/test/support/raw-http';
import { startServerProcess, type ServerProcess } from '../../local/processes';

const entry = join(__dirname, '../src/main.ts');
/** The stack's allow-list: the distribution's name, which CloudFront passes through as the viewer's Host. */
const cdnHost = 'd111111abcdef8.cloudfront.net';
// MCP_AUTH=none: these cases are about the boundary before authentication (resource-server.test.ts has the rest).
const stackEnv = { NODE_ENV: 'production', MCP_ALLOWED_HOSTS: cdnHost, MCP_REQUEST_STATE_KEY: randomBytes(32).toString('base64'), MCP_AUTH: 'none' };

const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'ping', arguments: {} } });

describe('the server process behind CloudFront and its internal ALB', () => {
  let server: ServerProcess;
  let mcp: string;
  beforeAll(async () => {
    server = await startServerProcess(entry, stackEnv);
    mcp = `${server.url}/mcp`;
  });
  afterAll(() => server.stop('SIGKILL'));

  it('answers a call whose Host is the distribution\'s name', async () => {
    const response = await raw(mcp, { headers: { ...json, host: cdnHost }, body: ping });
    expect(response.status).toBe(200);
    expect(response.text).toContain('\\"pong\\":true');
  });

  it('accepts a browser Origin on the distribution\'s name', async () => {
    const response = await raw(mcp, { headers: { ...json, host: cdnHost, origin: `https://${cdnHost}` }, body: ping });
    expect(response.status).toBe(200);
  });

  it.each([
    ['its own loopback address, which production does not allow', '127.0.0.1'],
    ['another host (DNS rebinding)', 'evil.example'],
    ['a look-alike of the distribution\'s name', `${cdnHost}.evil.example`],
    ['the internal ALB\'s own name (a request that did not come through CloudFront)', 'internal-statel-mcpal-abc123-1234567890.eu-west-1.elb.amazonaws.com'],
  ])('refuses a Host of %s with 403 and a JSON-RPC error', async (_name, host) => {
    const response = await raw(mcp, { headers: { ...json, host }, body: ping });
    expect(response.status).toBe(403);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.error).toEqual({ code: -32000, message: expect.stringContaining('Forbidden') });
  });

  it('refuses a foreign Origin even with the right Host', async () => {
    const response = await raw(mcp, { headers: { ...json, host: cdnHost, origin: 'https://evil.example' }, body: ping });
    expect(response.status).toBe(403);
    expect(response.error?.code).toBe(-32000);
  });

  it.each(['GET', 'DELETE'])('answers a 2025-era %s with 405, Allow: POST and a JSON-RPC error', async (method) => {
    const response = await raw(mcp, { method, headers: { host: cdnHost, accept: 'text/event-stream', 'mcp-session-id': 'any' } });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
    expect(response.error?.code).toBe(-32000);
  });

  it.each(badInputCorpus(cdnHost))('answers the corpus case %s with a 4xx and a JSON-RPC error', async (_name, request, status, code) => {
    const response = await raw(mcp, asHttp({ ...request, headers: { host: cdnHost, ...request.headers } }));
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.error?.code).toBe(code);
  });

  it('answers logging/setLevel with an unknown level -32602 (Invalid params), not -32603 with a zod dump', async () => {
    const response = await raw(mcp, { headers: { ...json, host: cdnHost }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'logging/setLevel', params: { level: 'bogus' } }) });
    expect(response.status).toBe(200);
    expect(response.error).toEqual({ code: -32602, message: expect.stringContaining('debug, info, notice') });
  });

  it('answers TRACE with 405 and Allow: POST', async () => {
    const response = await raw(mcp, { method: 'TRACE', headers: { host: cdnHost } });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
  });

  it('serves /health to the target group health check, which sends the task IP as Host', async () => {
    const response = await raw(`${server.url}/health`, { method: 'GET', headers: { host: '10.0.1.23:8080' } });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toMatchObject({ status: 'ok', instance: expect.any(String) });
  });

  it('is still alive and drains cleanly on SIGTERM after all of the above', async () => {
    expect((await raw(mcp, { headers: { ...json, host: cdnHost }, body: ping })).status).toBe(200);
    expect(await server.stop('SIGTERM')).toBe(0);
  });
});

describe('configuration from the environment', () => {
  it.each([
    ['no Host allow-list', { ...stackEnv, MCP_ALLOWED_HOSTS: '' }, 'MCP_ALLOWED_HOSTS'],
    ['no requestState key', { ...stackEnv, MCP_REQUEST_STATE_KEY: '' }, 'MCP_REQUEST_STATE_KEY'],
    ['a short requestState key', { ...stackEnv, MCP_REQUEST_STATE_KEY: 'c2hvcnQ=' }, 'MCP_REQUEST_STATE_KEY'],
    ['neither an issuer nor MCP_AUTH=none', { ...stackEnv, MCP_AUTH: '' }, 'MCP_AUTH_ISSUER'],
    ['an issuer but no public resource URL', { ...stackEnv, MCP_AUTH: '', MCP_AUTH_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc' }, 'MCP_RESOURCE_URL'],
  ])('refuses to start in production with %s, naming the variable', async (_name, env, variable) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    try {
      const [code] = await once(child, 'exit');
      expect(code).not.toBe(0);
      expect(stderr).toContain(variable);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
