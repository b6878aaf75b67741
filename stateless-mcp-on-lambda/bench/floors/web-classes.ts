/**
 * Cold-start floor 1: what any web-standard handler pays on Node before it does anything. The
 * first `Request`, `Headers` or `Response` loads undici (Node's fetch), with its HTTP/1 and
 * HTTP/2 clients.
 */
new Response(new Request('http://localhost/mcp', { method: 'POST', headers: { accept: 'application/json' }, body: '{}' }).body);

export const handler = async () => ({ statusCode: 200, body: '' });
