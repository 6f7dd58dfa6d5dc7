// The limiter puts multicast probes ahead of a sweep's queue (the listen window runs from them) without breaking
// the global rate, and counts what it granted.
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/discovery/engine/run.js';

const never = new AbortController().signal;

describe('createRateLimiter: multicast first', () => {
  it('grants a multicast group token before queued unicast waiters, and still keeps the global rate', async () => {
    // 100 per second, no burst: one token every 10 ms. 30 unicast waiters queue first (~300 ms of tokens).
    const limiter = createRateLimiter({ globalPerSecond: 100, perHostPerSecond: 1000, burstWindowMs: 0 });
    const order: string[] = [];
    const started = performance.now();
    const sweep = Array.from({ length: 30 }, (_, index) => limiter.take(`10.0.0.${index + 1}`, never).then(() => order.push(`u${index}`)));
    await new Promise((resolve) => setTimeout(resolve, 25));
    const multicastWaitStarted = performance.now();
    await limiter.take('239.255.255.250', never);
    const multicastWaitMs = performance.now() - multicastWaitStarted;
    order.push('m');
    await Promise.all(sweep);
    const elapsedMs = performance.now() - started;
    // The multicast token came within about one token interval, not after the ~27 still queued.
    expect(multicastWaitMs).toBeLessThan(60);
    expect(order.indexOf('m')).toBeLessThan(10);
    // 31 tokens at 100/s, the first free: at least 300 ms.
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    expect(limiter.granted).toBe(31);
  });

  it('keeps multicast waiters in their own arrival order', async () => {
    const limiter = createRateLimiter({ globalPerSecond: 50, perHostPerSecond: 1000, burstWindowMs: 0 });
    const order: string[] = [];
    await Promise.all([
      limiter.take('10.0.0.1', never).then(() => order.push('u1')),
      limiter.take('10.0.0.2', never).then(() => order.push('u2')),
      limiter.take('224.0.0.251', never).then(() => order.push('m1')),
      limiter.take('239.255.255.250', never).then(() => order.push('m2')),
    ]);
    expect(order).toEqual(['u1', 'm1', 'm2', 'u2']);
  });
});
