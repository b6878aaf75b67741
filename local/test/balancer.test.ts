import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { startBalancer, type NodeBalancer } from '../balancer';
import { startServerProcess } from '../processes';

/**
 * A plain HTTP target that names itself, echoes bodies and the cookies it got, streams SSE slowly,
 * sets a cookie of its own on /set, and dies mid-stream on /sse-dies.
 */
async function target(name: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/sse' || req.url === '/sse-dies') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: first from ${name}\n\n`);
      setTimeout(() => (req.url === '/sse' ? res.end('data: second\n\n') : res.socket!.destroy()), 400);
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    const own = req.url === '/set' ? { 'set-cookie': `app=${name}; Path=/` } : {};
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', ...own }).end(JSON.stringify({ name, body, sent: req.headers.cookie ?? null })));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function call(url: string, cookie?: string, body?: string) {
  const response = await fetch(url, { method: body ? 'POST' : 'GET', headers: cookie ? { cookie } : {}, body });
  const setCookie = response.headers.get('set-cookie') ?? '';
  return { ...((await response.json()) as { name: string; body: string; sent: string | null }), cookie: setCookie.split(';')[0]!, setCookie };
}

const stopTargets = (targets: Array<{ server: Server }>) => Promise.all(targets.map((t) => new Promise((r) => (t.server.listening ? t.server.close(r) : r(undefined)))));

async function kill(target: { server: Server }): Promise<void> {
  target.server.closeAllConnections();
  await new Promise((r) => target.server.close(r));
}

describe('the local balancer with AWSALB stickiness (ALB lb_cookie stand-in)', () => {
  let targets: Array<{ url: string; server: Server }>;
  let balancer: NodeBalancer;
  beforeAll(async () => {
    targets = await Promise.all(['a', 'b', 'c'].map(target));
    balancer = await startBalancer({ targets: targets.map((t) => t.url), sticky: true, healthIntervalMs: 100 });
  });
  afterAll(async () => {
    await balancer.stop();
    await stopTargets(targets);
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
    await kill(down);

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

describe('the local balancer without stickiness (round robin, as the stateless sample\'s ALB)', () => {
  let targets: Array<{ url: string; server: Server }>;
  let balancer: NodeBalancer;
  beforeAll(async () => {
    targets = await Promise.all(['a', 'b', 'c'].map(target));
    balancer = await startBalancer({ targets: targets.map((t) => t.url), healthIntervalMs: 100 });
  });
  afterAll(async () => {
    await balancer.stop();
    await stopTargets(targets);
  });

  it('takes the targets in turn, whatever cookie the client sends, and sets none of its own', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await call(`${balancer.url}/x`, 'AWSALB=anything', `body ${i}`));
    expect(answers.map((r) => r.name).slice(3)).toEqual(answers.map((r) => r.name).slice(0, 3));
    expect(new Set(answers.map((r) => r.name))).toEqual(new Set(['a', 'b', 'c']));
    expect(answers.map((r) => r.body)).toEqual(['body 0', 'body 1', 'body 2', 'body 3', 'body 4', 'body 5']);
    expect(answers.map((r) => r.setCookie)).toEqual(['', '', '', '', '', '']);
  });

  it('passes a target\'s own Set-Cookie through to the client', async () => {
    expect((await call(`${balancer.url}/set`)).setCookie).toMatch(/^app=[abc]; Path=\/$/);
  });

  it('cuts the client\'s connection when its target dies mid-stream', async () => {
    const response = await fetch(`${balancer.url}/sse-dies`);
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toMatch(/^data: first from [abc]\n\n$/);
    await expect(reader.read()).rejects.toThrow();
  });

  it('sends a request whose connection is refused to another target, and stops choosing the dead one', async () => {
    const down = targets[2]!;
    await kill(down);
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => call(`${balancer.url}/x`)));
    expect(answers.map((r) => r.name)).not.toContain('c');
    expect(balancer.healthy()).not.toContain(down.url);
  });
});

describe('the local balancer as a process (as `npm start` runs it)', () => {
  /** Writes `raw` on a fresh connection, then drops the connection after `ms`. */
  const abortAfter = (url: string, raw: string, ms: number) =>
    new Promise<void>((resolve) => {
      const socket = connect(Number(new URL(url).port), '127.0.0.1', () => void sleep(ms).then(() => resolve(void socket.destroy())));
      socket.on('data', () => {}).on('error', () => {});
      socket.write(raw);
    });

  it('keeps serving every client after others drop their connections mid-body, mid-request and mid-stream', async () => {
    const targets = await Promise.all(['a', 'b'].map(target));
    const balancer = await startServerProcess(join(__dirname, '..', 'balancer.ts'), { BALANCER_TARGETS: targets.map((t) => t.url).join(',') });
    try {
      const post = (length: number, body: string) => `POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${length}\r\n\r\n${body}`;
      await abortAfter(balancer.url, post(1_000, '{"half":'), 50);
      await abortAfter(balancer.url, 'POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n40\r\nnot all of it', 50);
      await abortAfter(balancer.url, post(2, '{}'), 0);
      await abortAfter(balancer.url, 'GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 100);
      await sleep(500);
      expect(balancer.child.exitCode).toBeNull();
      expect((await call(`${balancer.url}/x`, undefined, 'still here')).body).toBe('still here');
    } finally {
      await balancer.stop();
      await stopTargets(targets);
    }
  });
});

describe('the local balancer keeping cookies for its clients (for the conformance suites and the Inspector)', () => {
  let targets: Array<{ url: string; server: Server }>;
  let balancer: NodeBalancer;
  beforeAll(async () => {
    targets = await Promise.all(['a', 'b', 'c'].map(target));
    balancer = await startBalancer({ targets: targets.map((t) => t.url), sticky: true, keepCookies: true, healthIntervalMs: 100 });
  });
  afterAll(async () => {
    await balancer.stop();
    await stopTargets(targets);
  });

  it('keeps a cookieless client on one target, and never shows it a cookie', async () => {
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await call(`${balancer.url}/x`));
    expect(new Set(answers.map((r) => r.name)).size).toBe(1);
    expect(answers.map((r) => r.setCookie)).toEqual(['', '', '', '', '']);
    expect(answers.slice(1).map((r) => r.sent)).toEqual(answers.slice(1).map(() => expect.stringMatching(/^AWSALB=[\w-]{24}$/)));
  });

  it('sends the jar\'s cookies upstream instead of the client\'s, the target\'s own included', async () => {
    const set = await call(`${balancer.url}/set`, 'AWSALB=forged; mine=1');
    expect(set.setCookie).toBe('');
    const next = await call(`${balancer.url}/x`, 'mine=1');
    expect(next.name).toBe(set.name);
    expect(next.sent).toMatch(new RegExp(`^(?=.*AWSALB=[\\w-]{24})(?=.*app=${set.name})`));
    expect(next.sent).not.toContain('mine=1');
  });

  it('re-sticks to a live target when its own dies, and keeps the new cookie', async () => {
    const { name } = await call(`${balancer.url}/x`);
    await kill(targets[['a', 'b', 'c'].indexOf(name)]!);
    const moved = await call(`${balancer.url}/x`);
    expect(moved.name).not.toBe(name);
    expect((await call(`${balancer.url}/x`)).name).toBe(moved.name);
  });
});
