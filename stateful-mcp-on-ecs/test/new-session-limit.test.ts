import { NewSessionLimit } from '../src/new-session-limit';

/** The limiter on a clock the test moves. */
function limiter(perMinute: number, maxClients?: number) {
  let now = 1_000_000;
  const limit = new NewSessionLimit(perMinute, maxClients, () => now);
  return { limit, advance: (ms: number) => void (now += ms) };
}

describe('NewSessionLimit', () => {
  it('admits perMinute sessions per client, then names the seconds left in its minute, then admits again', () => {
    const { limit, advance } = limiter(2);
    expect([limit.admit('a'), limit.admit('a')]).toEqual([undefined, undefined]);
    advance(15_000);
    expect(limit.admit('a')).toBe(45);
    expect(limit.admit('b')).toBeUndefined();
    advance(44_500);
    expect(limit.admit('a')).toBe(1);
    advance(500);
    expect(limit.admit('a')).toBeUndefined();
  });

  it('drops the windows that ended, so a minute of quiet leaves nothing behind', () => {
    const { limit, advance } = limiter(5);
    for (let i = 0; i < 1_000; i++) limit.admit(`198.51.100.${i}`);
    expect(limit.tracked).toBe(1_000);
    advance(60_000);
    limit.admit('203.0.113.1');
    expect(limit.tracked).toBe(1);
  });

  it('holds at most maxClients windows under a flood of distinct addresses, dropping the oldest first', () => {
    const { limit } = limiter(1, 100);
    limit.admit('203.0.113.1');
    expect(limit.admit('203.0.113.1')).toBe(60);
    for (let i = 0; i < 10_000; i++) limit.admit(`flood-${i}`);
    expect(limit.tracked).toBe(100);
    // The oldest window went first: that client's count restarted (the limit fails open, not shut).
    expect(limit.admit('203.0.113.1')).toBeUndefined();
  });
});
