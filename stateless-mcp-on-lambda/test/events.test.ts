import { ACCEPT, header, HOST, httpApiEvent, json, lambdaHandler, modernHeaders, modernMeta, restEvent, rpc } from './support/events';

const echo = (message = 'x') => rpc('tools/call', { name: 'echo', arguments: { message } });
const errorOf = (body: string) => (JSON.parse(body) as { error?: { code: number; message: string } }).error;

describe('REST API events (payload 1.0), no port', () => {
  const handler = lambdaHandler();

  it('answers a 2025-era call as text/event-stream in plain text, not base64', async () => {
    const result = await handler(restEvent({ headers: json, body: echo('héllo ✓') }));
    expect(result.statusCode).toBe(200);
    expect(header(result, 'content-type')).toBe('text/event-stream');
    expect(result.isBase64Encoded).toBe(false);
    expect(result.body).toMatch(/^event: message\ndata: \{.*"text":"héllo ✓".*\}\n\n$/);
  });

  it('answers a 2026-era call as JSON text', async () => {
    const result = await handler(restEvent({ headers: modernHeaders('tools/call', 'ping'), body: rpc('tools/call', { name: 'ping', arguments: {}, _meta: modernMeta }) }));
    expect(result.statusCode).toBe(200);
    expect(header(result, 'content-type')).toMatch(/^application\/json/);
    expect(result.isBase64Encoded).toBe(false);
    expect(JSON.parse(result.body).result.structuredContent).toMatchObject({ pong: true, platform: 'lambda', era: 'modern', instance: '2026/11/23/[$LATEST]0123456789abcdef' });
  });

  it('sends progress in the same answer, before the result', async () => {
    const body = rpc('tools/call', { name: 'countdown', arguments: { steps: 3, delayMs: 1 }, _meta: { progressToken: 'p' } });
    const result = await handler(restEvent({ headers: json, body }));
    const events = result.body.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.replace(/^event: message\ndata: /, '')));
    expect(events.map((e) => e.params?.progress ?? e.result.content[0].text)).toEqual([1, 2, 3, 'Lift-off after 3 steps']);
  });

  it('decodes a base64 body', async () => {
    const result = await handler(restEvent({ headers: json, body: Buffer.from(echo('from base64')).toString('base64'), base64: true }));
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('"text":"from base64"');
  });

  it('reads every value of a multi-value header, not only the last one in `headers`', async () => {
    // `headers.Accept` holds only "text/event-stream"; alone it would be refused with 406.
    const result = await handler(restEvent({ headers: { 'Content-Type': 'application/json', Accept: ['application/json', 'text/event-stream'] }, body: echo() }));
    expect(result.statusCode).toBe(200);
  });

  it('serves requests that carry cookies and query strings', async () => {
    const event = restEvent({ headers: { ...json, Cookie: ['a=1', 'b=2'] }, query: { tag: ['x', 'y'] }, body: echo() });
    expect((await handler(event)).statusCode).toBe(200);
  });

  it('serves /mcp on a named stage: the REST event leaves the stage out of path', async () => {
    const event = restEvent({ stage: 'prod', headers: json, body: echo() });
    expect(event.requestContext.path).toBe('/prod/mcp');
    expect((await handler(event)).statusCode).toBe(200);
  });

  it.each([
    ['an empty body', { headers: json, body: null }, 400, -32700],
    ['invalid JSON', { headers: json, body: '{"jsonrpc": "2.0", "id": 1, "method": ' }, 400, -32700],
    ['a base64 body that is not UTF-8', { headers: json, body: Buffer.from([0xff, 0xfe, 0x7b]).toString('base64'), base64: true }, 400, -32700],
    ['JSON that is not JSON-RPC', { headers: json, body: '{"hello": "world"}' }, 400, -32600],
    ['a body over the limit', { headers: json, body: echo('x'.repeat(70_000)) }, 413, -32600],
    ['Content-Type text/plain', { headers: { ...json, 'Content-Type': 'text/plain' }, body: echo() }, 415, -32000],
    ['an Accept without text/event-stream', { headers: { ...json, Accept: 'application/json' }, body: echo() }, 406, -32000],
    ['a forbidden Host (DNS rebinding)', { headers: { ...json, Host: 'evil.example' }, body: echo() }, 403, -32000],
    ['a forbidden Origin', { headers: { ...json, Origin: 'https://evil.example' }, body: echo() }, 403, -32000],
    ['a 2025-era GET', { method: 'GET', headers: { Accept: 'text/event-stream' } }, 405, -32000],
    ['a 2025-era DELETE', { method: 'DELETE', headers: {} }, 405, -32000],
    ['an unknown path', { path: '/sse', headers: json, body: echo() }, 404, -32600],
  ])('answers %s with a 4xx and a JSON-RPC error', async (_name, request, status, code) => {
    const result = await lambdaHandler({ MCP_MAX_BODY_BYTES: '65536' })(restEvent(request));
    expect(result.statusCode).toBe(status);
    expect(header(result, 'content-type')).toMatch(/^application\/json/);
    expect(errorOf(result.body)).toEqual({ code, message: expect.any(String) });
  });

  it('tells a GET or DELETE that only POST is allowed', async () => {
    for (const method of ['GET', 'DELETE']) expect(header(await handler(restEvent({ method, headers: { Accept: ACCEPT } })), 'allow')).toBe('POST');
  });

  it('answers an unknown JSON-RPC method with -32601 in both eras', async () => {
    const legacy = await handler(restEvent({ headers: json, body: rpc('no/such') }));
    expect(legacy.statusCode).toBe(200); // a JSON-RPC error inside a successful exchange
    expect(legacy.body).toContain('"code":-32601');
    const modern = await handler(restEvent({ headers: modernHeaders('no/such'), body: rpc('no/such', { _meta: modernMeta }) }));
    expect(modern.statusCode).toBe(404);
    expect(errorOf(modern.body)?.code).toBe(-32601);
  });

  it('accepts the allowed Origin', async () => {
    const result = await lambdaHandler({ MCP_ALLOWED_ORIGINS: 'app.example.com' })(restEvent({ headers: { ...json, Origin: 'https://app.example.com' }, body: echo() }));
    expect(result.statusCode).toBe(200);
  });

  it('logs one JSON line per request: instance, era, method, status, duration, and never the body', async () => {
    const logged = lambdaHandler();
    await logged(restEvent({ headers: json, body: echo('secret-ish') }));
    await logged(restEvent({ headers: modernHeaders('tools/list'), body: rpc('tools/list', { _meta: modernMeta }) }));
    expect(logged.lines).toEqual([
      { msg: 'request', service: 'mcp-on-aws', instance: '2026/11/23/[$LATEST]0123456789abcdef', requestId: expect.any(String), cold_start: true, era: 'legacy', method: 'tools/call', path: '/mcp', session: undefined, client: '198.51.100.7', userAgent: undefined, status: 200, durationMs: expect.any(Number) },
      { msg: 'request', service: 'mcp-on-aws', instance: '2026/11/23/[$LATEST]0123456789abcdef', requestId: expect.any(String), cold_start: false, era: 'modern', method: 'tools/list', path: '/mcp', session: undefined, client: '198.51.100.7', userAgent: undefined, status: 200, durationMs: expect.any(Number) },
    ]);
    expect(JSON.stringify(logged.lines)).not.toContain('secret-ish');
  });

  it('times a streamed answer to its last byte, not to its headers', async () => {
    const logged = lambdaHandler();
    await logged(restEvent({ headers: json, body: rpc('tools/call', { name: 'countdown', arguments: { steps: 2, delayMs: 100 } }) }));
    expect(logged.lines[0]?.durationMs).toBeGreaterThanOrEqual(200);
  });

  it('times a 2026-era answer to its last byte too once progress turns it into SSE, and logs it once', async () => {
    const logged = lambdaHandler();
    await logged(restEvent({ headers: modernHeaders('tools/list'), body: rpc('tools/list', { _meta: modernMeta }) })); // warm, so the timing is the countdown's
    const countdown = rpc('tools/call', { name: 'countdown', arguments: { steps: 3, delayMs: 150 }, _meta: { ...modernMeta, progressToken: 'p' } });
    const result = await logged(restEvent({ headers: modernHeaders('tools/call', 'countdown'), body: countdown }));
    expect(header(result, 'content-type')).toBe('text/event-stream');
    // The headers go out with the first step, at ~150 ms; the last byte at ~450 ms.
    expect(logged.lines.slice(1)).toEqual([expect.objectContaining({ era: 'modern', method: 'tools/call', status: 200, durationMs: expect.any(Number) })]);
    expect(logged.lines[1]?.durationMs).toBeGreaterThanOrEqual(400);
  });
});

describe('HTTP API and Function URL events (payload 2.0), no port', () => {
  const handler = lambdaHandler();

  it('answers a 2025-era call as SSE text with plain headers', async () => {
    const result = await handler(httpApiEvent({ headers: json, body: echo('v2') }));
    expect(result.statusCode).toBe(200);
    expect(result.isBase64Encoded).toBe(false);
    expect(result.headers?.['content-type']).toBe('text/event-stream');
    expect(result.body).toContain('"text":"v2"');
  });

  it('decodes a base64 body and takes cookies from their own array', async () => {
    const event = httpApiEvent({ headers: json, body: Buffer.from(echo('b64')).toString('base64'), base64: true }, ['a=1', 'b=2']);
    const result = await handler(event);
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('"text":"b64"');
  });

  it('joins a repeated header the way HTTP API does, with a comma', async () => {
    const event = httpApiEvent({ headers: { 'Content-Type': 'application/json', Accept: ['application/json', 'text/event-stream'] }, body: echo() });
    expect(event.headers.accept).toBe('application/json,text/event-stream');
    expect((await handler(event)).statusCode).toBe(200);
  });

  it('strips a named stage from rawPath, and only the stage', async () => {
    const staged = httpApiEvent({ stage: 'prod', headers: json, body: echo() });
    expect(staged.rawPath).toBe('/prod/mcp');
    expect((await handler(staged)).statusCode).toBe(200);
    const other = httpApiEvent({ stage: 'prod', headers: json, body: echo() });
    other.rawPath = '/test/mcp';
    expect((await handler(other)).statusCode).toBe(404);
  });

  it('answers invalid JSON with 400 and -32700', async () => {
    const result = await handler(httpApiEvent({ headers: json, body: '{' }));
    expect(result.statusCode).toBe(400);
    expect(errorOf(result.body)?.code).toBe(-32700);
  });
});

describe('ALB events, no port', () => {
  const handler = lambdaHandler();

  it('serves a call from an ALB event: no domain name but the Host, multi-value headers, a query string as the client sent it', async () => {
    const { requestContext: _rest, ...rest } = restEvent({ headers: modernHeaders('tools/call', 'ping'), body: rpc('tools/call', { name: 'ping', arguments: {}, _meta: modernMeta }) });
    const event = { ...rest, requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/mcp/0123456789abcdef' } }, multiValueQueryStringParameters: { q: ['a%20b'] } };
    const result = await handler(event);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).result.structuredContent).toMatchObject({ pong: true, era: 'modern' });
  });
});

describe('header values', () => {
  it('percent-encodes a value with characters beyond ASCII, as hono/aws-lambda did, rather than refusing the request', async () => {
    const logged = lambdaHandler();
    const result = await logged(restEvent({ headers: { ...json, 'User-Agent': 'café-client/1' }, body: echo() }));
    expect(result.statusCode).toBe(200);
    expect(logged.lines[0]?.userAgent).toBe(encodeURIComponent('café-client/1'));
  });
});

describe('a malformed event gets 400 and a JSON-RPC error, never a rejection', () => {
  const handler = lambdaHandler();
  const rest = () => restEvent({ headers: json, body: echo() }) as Record<string, unknown>;

  it.each([
    ['null', null],
    ['a string', 'POST /mcp'],
    ['an SQS event', { Records: [{ messageId: '1', body: '{}' }] }],
    ['an event without requestContext', { ...rest(), requestContext: undefined }],
    ['an HTTP method API Gateway never sends', { ...rest(), httpMethod: 'TRACE' }],
    ['no path', { ...rest(), path: undefined }],
    ['a body that is an object', { ...rest(), body: { jsonrpc: '2.0' } }],
    ['isBase64Encoded with a body that is not base64', { ...rest(), isBase64Encoded: true, body: '{"jsonrpc":"2.0"}' }],
    ['a header name with a space', { ...rest(), headers: { 'Content Type': 'application/json' }, multiValueHeaders: undefined }],
    ['multiValueHeaders that are not arrays', { ...rest(), multiValueHeaders: { Accept: ACCEPT } }],
  ])('%s', async (_name, event) => {
    const result = await handler(event);
    expect(result.statusCode).toBe(400);
    expect(result.headers?.['content-type']).toBe('application/json');
    expect(errorOf(result.body)).toEqual({ code: -32600, message: expect.stringMatching(/^Bad event: /) });
  });

  it.each([
    ['a header value with a line break', { ...rest(), headers: { Host: HOST, Accept: 'a\r\nb' }, multiValueHeaders: undefined }],
    ['a domain name that makes no URL', { ...rest(), requestContext: { ...(rest().requestContext as object), domainName: 'exa mple' } }],
  ])('refuses what makes no Request (%s) before any stream starts, so it never answers without a status', async (_name, event) => {
    const consoleError = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const result = await handler(event);
      expect(result.statusCode).toBe(400);
      expect(errorOf(result.body)).toEqual({ code: -32600, message: expect.stringMatching(/^Bad event: /) });
      expect(consoleError).not.toHaveBeenCalled();
    } finally {
      consoleError.mockRestore();
    }
  });
});
