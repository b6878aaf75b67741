import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { HAPROXY_ROUND_ROBIN, HAPROXY_STICKY, haproxyInstalled, startHaproxy } from '../haproxy';

/** HAProxy, where installed, stands in for the ALB: it appends the client's address to X-Forwarded-For as the ALB does. */
(haproxyInstalled() ? describe : describe.skip).each([
  ['round-robin', HAPROXY_ROUND_ROBIN],
  ['sticky', HAPROXY_STICKY],
])('HAProxy with the %s config', (_name, config) => {
  it('appends the client address to X-Forwarded-For, after what the client sent', async () => {
    const target = createServer((req, res) => res.end(String(req.headers['x-forwarded-for'] ?? ''))).listen(0, '127.0.0.1');
    await once(target, 'listening');
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    const haproxy = await startHaproxy(config, [url, url, url]);
    try {
      expect(await (await fetch(`${haproxy.url}/x`)).text()).toBe('127.0.0.1');
      expect(await (await fetch(`${haproxy.url}/x`, { headers: { 'x-forwarded-for': '203.0.113.5' } })).text()).toBe('203.0.113.5, 127.0.0.1');
    } finally {
      await haproxy.stop();
      target.close();
    }
  });
});
