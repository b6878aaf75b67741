/**
 * The shared bad-input corpus, through the real handler as API Gateway invokes it (REST events, no
 * port), configured as the stack configures it. The older cases stay in events.test.ts.
 */
import { badInputCorpus } from '../../shared/test-support/bad-input';
import { header, HOST, json, lambdaHandler, restEvent, rpc } from './support/events';

const errorOf = (body: string) => (JSON.parse(body) as { error?: { code: number; message: string } }).error;

describe('the Lambda handler answers the bad-input corpus with a 4xx and a JSON-RPC error', () => {
  const handler = lambdaHandler({ MCP_MAX_BODY_BYTES: '65536' });

  it.each(badInputCorpus(HOST))('%s', async (_name, request, status, code) => {
    const result = await handler(restEvent(request));
    expect(result.statusCode).toBe(status);
    expect(header(result, 'content-type')).toMatch(/^application\/json/);
    expect(errorOf(result.body)).toEqual({ code, message: expect.any(String) });
  });

  it('answers a PATCH with Allow: POST, as it answers GET and DELETE', async () => {
    expect(header(await handler(restEvent({ method: 'PATCH', headers: json, body: rpc('tools/list') })), 'allow')).toBe('POST');
  });

  it('refuses gzip too: nothing here inflates a body', async () => {
    const result = await handler(restEvent({ headers: { ...json, 'Content-Encoding': 'gzip' }, body: rpc('tools/list') }));
    expect(result.statusCode).toBe(415);
  });

  it('logs a huge method name, user agent and session id cut short, and the client API Gateway saw', async () => {
    const logged = lambdaHandler();
    const headers = { ...json, 'User-Agent': 'u'.repeat(5_000), 'Mcp-Session-Id': 's'.repeat(5_000) };
    await logged(restEvent({ headers, body: rpc('m'.repeat(900_000)) }));
    const line = logged.lines[0]!;
    expect(JSON.stringify(line).length).toBeLessThan(500);
    expect(line).toMatchObject({ method: expect.stringMatching(/^m{64}…$/), userAgent: expect.stringMatching(/^u{64}…$/), session: expect.stringMatching(/^[0-9a-f]{12}$/), client: '198.51.100.7' });
  });

  it('answers logging/setLevel with an unknown level -32602 (Invalid params), not -32603 with a zod dump', async () => {
    const result = await handler(restEvent({ headers: json, body: rpc('logging/setLevel', { level: 'bogus' }) }));
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('"code":-32602');
    expect(result.body).not.toContain('invalid_value');
  });

  it('keeps JSON-RPC batches for a client at 2025-03-26, which still has them', async () => {
    const result = await handler(restEvent({ headers: { ...json, 'MCP-Protocol-Version': '2025-03-26' }, body: `[${rpc('tools/list', {}, 1)},${rpc('tools/list', {}, 2)}]` }));
    expect(result.statusCode).toBe(200);
  });
});
