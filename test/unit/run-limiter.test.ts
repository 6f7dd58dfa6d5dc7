import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/discovery/engine/run.js';

const never = new AbortController().signal;

describe('createRateLimiter', () => {
  it('holds one host to its per-host rate', async () => {
    // 20 per second with a 100 ms burst window = 2 tokens of burst: 12 takes need at least (12 - 2) / 20 s.
    const limiter = createRateLimiter({ globalPerSecond: 10_000, perHostPerSecond: 20 });
    const started = performance.now();
    for (let index = 0; index < 12; index += 1) await limiter.take('10.0.0.1', never);
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeGreaterThanOrEqual(490);
    expect(elapsedMs).toBeLessThan(1200);
  });

  it('does not let one slow host hold up another (no head-of-line blocking)', async () => {
    const limiter = createRateLimiter({ globalPerSecond: 10_000, perHostPerSecond: 5 });
    await limiter.take('10.0.0.1', never);
    const slow = limiter.take('10.0.0.1', never); // waits ~200 ms for its host
    const started = performance.now();
    await limiter.take('10.0.0.2', never);
    expect(performance.now() - started).toBeLessThan(50);
    await slow;
  });

  it('holds the global rate across many hosts', async () => {
    // 100 per second with burst 10: 40 takes over 40 hosts need at least (40 - 10) / 100 s = 300 ms.
    const limiter = createRateLimiter({ globalPerSecond: 100, perHostPerSecond: 1000 });
    const started = performance.now();
    await Promise.all(Array.from({ length: 40 }, (_, index) => limiter.take(`10.0.${index}.1`, never)));
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    expect(elapsedMs).toBeLessThan(1000);
  });

  it('serves waiters in arrival order', async () => {
    const limiter = createRateLimiter({ globalPerSecond: 50, perHostPerSecond: 1000, burstWindowMs: 0 });
    const order: number[] = [];
    await Promise.all(Array.from({ length: 8 }, (_, index) => limiter.take(`h${index}`, never).then(() => order.push(index))));
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('rejects promptly on abort and frees the queue', async () => {
    const limiter = createRateLimiter({ globalPerSecond: 1000, perHostPerSecond: 1 });
    await limiter.take('10.0.0.1', never);
    const controller = new AbortController();
    const pending = limiter.take('10.0.0.1', controller.signal);
    expect(limiter.waiting).toBe(1);
    const started = performance.now();
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await expect(pending).rejects.toThrow('stop');
    expect(performance.now() - started).toBeLessThan(200);
    expect(limiter.waiting).toBe(0);
    await expect(limiter.take('10.0.0.1', controller.signal)).rejects.toThrow('stop');
  });

  it('keeps memory bounded on a /16 sweep by evicting idle host buckets', async () => {
    const limiter = createRateLimiter({ globalPerSecond: Number.POSITIVE_INFINITY, perHostPerSecond: 1000, burstWindowMs: 1 });
    for (let index = 0; index < 65_536; index += 1) {
      await limiter.take(`10.${index >> 8}.${index & 255}.1`, never);
      if ((index & 4095) === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(limiter.trackedHosts).toBeLessThan(10_000);
  });

  it('refuses a zero or negative rate', () => {
    expect(() => createRateLimiter({ globalPerSecond: 0, perHostPerSecond: 1 })).toThrow(RangeError);
    expect(() => createRateLimiter({ globalPerSecond: 1, perHostPerSecond: Number.NaN })).toThrow(RangeError);
  });
});
