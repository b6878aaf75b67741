/**
 * Why the CloudFront front door answers plain HTTP with `403` (`https-only`) and never redirects
 * (`redirect-to-https`): a redirect connects no MCP client. The v2 client follows no redirect to
 * another origin (and `http://` to `https://` is one), and a client that does follow a `301` turns
 * its POST into a GET without the body. A loopback server plays the redirecting edge.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { connect } from './support/clients';
import { startStateless } from './support/servers';

describe('a redirect in front of /mcp', () => {
  let server: Awaited<ReturnType<typeof startStateless>>;
  let edge: Server;
  let edgeUrl: string;
  beforeAll(async () => {
    server = await startStateless();
    edge = createServer((req, res) => res.writeHead(301, { location: `${server.url}${req.url}` }).end()).listen(0, '127.0.0.1');
    await once(edge, 'listening');
    edgeUrl = `http://127.0.0.1:${(edge.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    edge.close();
    await server.shutdown();
  });

  it.each(['legacy', 'modern'] as const)('leaves a %s-era v2 client unconnected: it follows no redirect to another origin', async (era) => {
    await expect(connect(edgeUrl, era)).rejects.toThrow(/Redirect to .* not followed/);
    await (await connect(server.url, era)).close(); // the target itself serves it
  });

  it('turns a fetch POST that follows the 301 into a GET without its body, which /mcp refuses', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'ping', arguments: {} } });
    const response = await fetch(`${edgeUrl}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body });
    expect(response.redirected).toBe(true);
    expect(response.status).toBe(405); // the GET it became
  });
});
