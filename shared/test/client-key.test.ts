import { clientKey } from '../src';

describe('clientKey: what the per-client limits count by', () => {
  it.each([
    ['an IPv4 address', '203.0.113.9', '203.0.113.9'],
    ['an IPv4-mapped IPv6 address (a dual-stack socket)', '::ffff:127.0.0.1', '127.0.0.1'],
    ['an IPv6 address, by its /64', '2001:db8:a:b:1:2:3:4', '2001:db8:a:b::/64'],
    ['a compressed IPv6 address, leading zeros and case normalized', '2001:0DB8:000a::1', '2001:db8:a:0::/64'],
    ['loopback', '::1', '0:0:0:0::/64'],
    ['a dotted IPv4 tail filling two groups', '1::3:4:5:6:192.0.2.1', '1:0:3:4::/64'],
  ])('keys %s', (_name, address, key) => {
    expect(clientKey(address)).toBe(key);
  });

  it('keeps something that is no address, cut to 64 characters, and an unknown client as one key', () => {
    expect(clientKey('x'.repeat(5_000))).toBe('x'.repeat(64));
    expect(clientKey(undefined)).toBe('unknown');
  });
});
