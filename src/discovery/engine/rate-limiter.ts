// Token-bucket rate limiting shared by every channel of a scan: a global packets-per-second and a per-host limit,
// respected by all channels together. Re-exported by run.ts, the probe-loop machinery.
import type { RateLimiter } from '../types.js';
import { RATE_LIMITER_LIMITS } from '../../config.js';



export interface RateLimiterOptions {
  /** Packets or connection attempts per second, all hosts and channels together. Infinity = no limit. */
  globalPerSecond: number;
  /** Packets or connection attempts per second to one host. Infinity = no limit. */
  perHostPerSecond: number;
  burstWindowMs?: number;
  /** Milliseconds clock, injected by tests; defaults to performance.now(). */
  now?: () => number;
}

export interface TokenBucketRateLimiter extends RateLimiter {
  /** Callers currently waiting for a token. */
  readonly waiting: number;
  /** Tokens granted so far: the packets and connection attempts the scan made (for its summary and benchmarks). */
  readonly granted: number;
  /** Host buckets held in memory (idle ones are evicted). */
  readonly trackedHosts: number;
}

interface Bucket {
  tokens: number;
  updatedAtMs: number;
  /** Waiters queued for this host: a bucket with waiters is never evicted. */
  waiting: number;
}

interface Waiter {
  host: string;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal;
}

/** 224.0.0.0/4: a multicast group, the destination of a channel's few discovery rounds. */
function isMulticastGroup(host: string): boolean {
  const first = Number(host.slice(0, host.indexOf('.')));
  return first >= 224 && first <= 239;
}

/**
 * Token buckets, one global and one per host. Waiters are served in arrival order among those whose host has a
 * token, so a host at its per-host limit does not hold up the others (no head-of-line blocking) and no waiter
 * starves. One timer wakes the queue at the moment the next token can be granted: no polling loop.
 *
 * Multicast probes go ahead of the queue: they are a handful per channel and interface, and the listen window
 * runs from them, so queueing them behind a sweep's hundreds of waiting connection attempts would only delay the
 * window (and the scan) by that queue's length. They still take their tokens, so the rates hold.
 */
export function createRateLimiter(options: RateLimiterOptions): TokenBucketRateLimiter {
  const globalRate = checkRate('globalPerSecond', options.globalPerSecond);
  const hostRate = checkRate('perHostPerSecond', options.perHostPerSecond);
  const burstWindowMs = options.burstWindowMs ?? RATE_LIMITER_LIMITS.burstWindowMs;
  const now = options.now ?? (() => performance.now());
  const capacityOf = (rate: number): number => Math.max(1, (rate * burstWindowMs) / 1000);
  const globalCapacity = capacityOf(globalRate);
  const hostCapacity = capacityOf(hostRate);
  const globalBucket: Bucket = { tokens: globalCapacity, updatedAtMs: now(), waiting: 0 };
  const hosts = new Map<string, Bucket>();
  // A Set iterates in insertion order and deletes in O(1): the FIFO queues of waiters, multicast first.
  const urgentWaiters = new Set<Waiter>();
  const waiters = new Set<Waiter>();
  const queued = (): number => urgentWaiters.size + waiters.size;
  let granted = 0;
  // One abort listener per signal, not per waiter: a scan's 64 probe slots share one signal, and a listener each
  // would trip Node's listener-leak warning.
  const waitersBySignal = new Map<AbortSignal, { waiters: Set<Waiter>; onAbort: () => void }>();
  let timer: NodeJS.Timeout | undefined;
  let sweepAtSize: number = RATE_LIMITER_LIMITS.hostSweepThreshold;

  const refill = (bucket: Bucket, rate: number, capacity: number, atMs: number): void => {
    if (atMs > bucket.updatedAtMs) {
      bucket.tokens = Math.min(capacity, bucket.tokens + ((atMs - bucket.updatedAtMs) * rate) / 1000);
      bucket.updatedAtMs = atMs;
    }
  };
  const msUntilToken = (bucket: Bucket, rate: number): number => (bucket.tokens >= 1 ? 0 : ((1 - bucket.tokens) * 1000) / rate);

  const hostBucket = (host: string, atMs: number): Bucket => {
    let bucket = hosts.get(host);
    if (!bucket) {
      if (hosts.size >= sweepAtSize) sweepIdleHosts(atMs);
      bucket = { tokens: hostCapacity, updatedAtMs: atMs, waiting: 0 };
      hosts.set(host, bucket);
    }
    refill(bucket, hostRate, hostCapacity, atMs);
    return bucket;
  };

  // A full bucket with nobody waiting is the same as a fresh one: forget it, so a /16 sweep holds only the
  // hosts touched in the last burst window.
  const sweepIdleHosts = (atMs: number): void => {
    for (const [host, bucket] of hosts) {
      refill(bucket, hostRate, hostCapacity, atMs);
      if (bucket.waiting === 0 && bucket.tokens >= hostCapacity) hosts.delete(host);
    }
    sweepAtSize = Math.max(RATE_LIMITER_LIMITS.hostSweepThreshold, hosts.size * 2);
  };

  const tryGrant = (host: string, atMs: number): boolean => {
    refill(globalBucket, globalRate, globalCapacity, atMs);
    if (globalBucket.tokens < 1) return false;
    const bucket = hostBucket(host, atMs);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    globalBucket.tokens -= 1;
    granted += 1;
    return true;
  };

  const removeWaiter = (waiter: Waiter): void => {
    if (!waiters.delete(waiter)) urgentWaiters.delete(waiter);
    const entry = waitersBySignal.get(waiter.signal);
    if (entry) {
      entry.waiters.delete(waiter);
      if (entry.waiters.size === 0) {
        waiter.signal.removeEventListener('abort', entry.onAbort);
        waitersBySignal.delete(waiter.signal);
      }
    }
    const bucket = hosts.get(waiter.host);
    if (bucket) bucket.waiting -= 1;
  };

  const listenForAbort = (waiter: Waiter): void => {
    const { signal } = waiter;
    let entry = waitersBySignal.get(signal);
    if (!entry) {
      const created = {
        waiters: new Set<Waiter>(),
        onAbort: (): void => {
          for (const aborted of [...created.waiters]) {
            removeWaiter(aborted);
            aborted.reject(abortReason(signal));
          }
          if (queued() === 0 && timer !== undefined) {
            clearTimeout(timer);
            timer = undefined;
          }
        },
      };
      entry = created;
      waitersBySignal.set(signal, entry);
      signal.addEventListener('abort', entry.onAbort, { once: true });
    }
    entry.waiters.add(waiter);
  };

  const pump = (): void => {
    timer = undefined;
    const atMs = now();
    serve: for (const queue of [urgentWaiters, waiters]) {
      for (const waiter of queue) {
        if (tryGrant(waiter.host, atMs)) {
          removeWaiter(waiter);
          waiter.resolve();
        } else if (globalBucket.tokens < 1) {
          break serve;
        }
      }
    }
    schedule(atMs);
  };

  const schedule = (atMs: number): void => {
    if (timer !== undefined || queued() === 0) return;
    let hostWaitMs = Number.POSITIVE_INFINITY;
    scan: for (const queue of [urgentWaiters, waiters]) {
      for (const waiter of queue) {
        hostWaitMs = Math.min(hostWaitMs, msUntilToken(hostBucket(waiter.host, atMs), hostRate));
        if (hostWaitMs === 0) break scan;
      }
    }
    const waitMs = Math.max(hostWaitMs, msUntilToken(globalBucket, globalRate));
    // Ref'd on purpose: this timer exists only while someone waits, and when every probe slot is waiting for a
    // token it is the only thing that keeps the event loop (and so the scan) alive.
    timer = setTimeout(pump, Math.max(1, Math.ceil(waitMs)));
  };

  return {
    take(host: string, signal: AbortSignal): Promise<void> {
      if (signal.aborted) return Promise.reject(abortReason(signal));
      const atMs = now();
      const urgent = isMulticastGroup(host);
      if ((urgent ? urgentWaiters.size : queued()) === 0 && tryGrant(host, atMs)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { host, resolve, reject, signal };
        (urgent ? urgentWaiters : waiters).add(waiter);
        hostBucket(host, atMs).waiting += 1;
        listenForAbort(waiter);
        // Run the queue now rather than at the pending timer: earlier waiters may be held by their own host's
        // limit while this host could go at once.
        if (timer !== undefined) clearTimeout(timer);
        pump();
      });
    },
    get waiting() {
      return queued();
    },
    get granted() {
      return granted;
    },
    get trackedHosts() {
      return hosts.size;
    },
  };
}

function checkRate(name: string, value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number of packets per second (got ${String(value)})`);
  }
  return value;
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
