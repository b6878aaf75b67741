import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { startStickyBalancer, type StickyBalancer } from '../balancer/sticky-balancer';

/** A plain HTTP target that names itself, echoes bodies, and streams SSE slowly. */
async function target(name: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: first from ${name}\n\n`);
      setTimeout(() => res.end('data: second\n\n'), 400);
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name, body, cookie: req.headers.cookie ?? null })));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function call(url: string, cookie?: string, body?: string) {
  const response = await fetch(url, { method: body ? 'POST' : 'GET', headers: cookie ? { cookie } : {}, body });
  const setCookie = response.headers.get('set-cookie') ?? '';
  return { ...((await response.json()) as { name: string; body: string }), cookie: setCookie.split(';')[0]!, setCookie };
}

describe('the local sticky balancer (ALB lb_cookie stand-in)', () => {
  let targets: Array<{ url: string; server: Server }>;
  let balancer: StickyBalancer;
  beforeAll(async () => {
    targets = await Promise.all(['a', 'b', 'c'].map(target));
    balancer = await startStickyBalancer({ targets: targets.map((t) => t.url), healthIntervalMs: 100 });
  });
  afterAll(async () => {
    await balancer.stop();
    await Promise.all(targets.map((t) => new Promise((r) => (t.server.listening ? t.server.close(r) : r(undefined)))));
  });

  it('round-robins clients without a cookie and gives each an opaque AWSALB cookie', async () => {
    const first = await Promise.all([1, 2, 3].map(() => call(`${balancer.url}/x`)));
    expect(new Set(first.map((r) => r.name))).toEqual(new Set(['a', 'b', 'c']));
    for (const r of first) {
      expect(r.setCookie).toMatch(/^AWSALB=[\w-]{24}; Max-Age=86400; Path=\/; HttpOnly$/);
      for (const t of targets) expect(r.cookie).not.toContain(new URL(t.url).port);
    }
  });

  it('keeps a client with the cookie on its target, and forwards request bodies', async () => {
    const { name, cookie } = await call(`${balancer.url}/x`);
    const again = await Promise.all([1, 2, 3, 4, 5].map((i) => call(`${balancer.url}/x`, cookie, `body ${i}`)));
    expect(again.map((r) => r.name)).toEqual([name, name, name, name, name]);
    expect(again.map((r) => r.body)).toEqual(['body 1', 'body 2', 'body 3', 'body 4', 'body 5']);
  });

  it('treats a forged cookie like no cookie', async () => {
    const r = await call(`${balancer.url}/x`, 'AWSALB=forged-value');
    expect(['a', 'b', 'c']).toContain(r.name);
    expect(r.cookie).not.toBe('AWSALB=forged-value');
  });

  it('streams SSE through without buffering', async () => {
    const response = await fetch(`${balancer.url}/sse`);
    const reader = response.body!.getReader();
    // The target writes the second event 400 ms after the first: a buffering proxy would deliver both at once.
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^data: first from [abc]\n\n$/);
    const second = new TextDecoder().decode((await reader.read()).value);
    expect(second).toBe('data: second\n\n');
  });

  it('re-sticks a client whose target went down, with a new cookie, and stops sending new clients there', async () => {
    const { name, cookie } = await call(`${balancer.url}/x`);
    const down = targets[['a', 'b', 'c'].indexOf(name)]!;
    down.server.closeAllConnections();
    await new Promise((r) => down.server.close(r));

    const moved = await call(`${balancer.url}/x`, cookie);
    expect(moved.name).not.toBe(name);
    expect(moved.cookie).not.toBe(cookie);
    expect((await call(`${balancer.url}/x`, moved.cookie)).name).toBe(moved.name);

    await new Promise((r) => setTimeout(r, 400)); // a few health-check rounds
    expect(balancer.healthy()).not.toContain(down.url);
    const fresh = await Promise.all([1, 2, 3, 4].map(() => call(`${balancer.url}/x`)));
    expect(fresh.map((r) => r.name)).not.toContain(name);
  });
});
