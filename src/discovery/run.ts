// The one probe-loop machinery every channel shares: rate limiting, bounded concurrency, deadlines and the
// merging of several channels into one stream. Timeouts, concurrency and abort live here and nowhere else
// (STYLE.md: no copy-pasted probe loops).
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { ScanConfig } from '../config.js';
import { CamauditError } from '../errors.js';
import type { Observation } from '../model.js';
import { createObservation, type ObservationInput } from '../observation.js';
import type { DiscoveryModule, ProbeContext, ProbeScope, RateLimiter } from './types.js';

/**
 * A bucket holds this much time's worth of its rate (at least one token). Small on purpose: "1000 pps" must not
 * start with a burst of 1000 SYNs, which is what wedges consumer NATs and camera listen queues (peers.md §2.6).
 */
export const DEFAULT_BURST_WINDOW_MS = 100;

/** Host buckets are swept for idle entries once the map grows past this (and then past twice its last size). */
const HOST_SWEEP_THRESHOLD = 1024;

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

/**
 * Token buckets, one global and one per host. Waiters are served in arrival order among those whose host has a
 * token, so a host at its per-host limit does not hold up the others (no head-of-line blocking) and no waiter
 * starves. One timer wakes the queue at the moment the next token can be granted: no polling loop.
 */
export function createRateLimiter(options: RateLimiterOptions): TokenBucketRateLimiter {
  const globalRate = checkRate('globalPerSecond', options.globalPerSecond);
  const hostRate = checkRate('perHostPerSecond', options.perHostPerSecond);
  const burstWindowMs = options.burstWindowMs ?? DEFAULT_BURST_WINDOW_MS;
  const now = options.now ?? (() => performance.now());
  const capacityOf = (rate: number): number => Math.max(1, (rate * burstWindowMs) / 1000);
  const globalCapacity = capacityOf(globalRate);
  const hostCapacity = capacityOf(hostRate);
  const globalBucket: Bucket = { tokens: globalCapacity, updatedAtMs: now(), waiting: 0 };
  const hosts = new Map<string, Bucket>();
  // A Set iterates in insertion order and deletes in O(1): the FIFO queue of waiters.
  const waiters = new Set<Waiter>();
  // One abort listener per signal, not per waiter: a scan's 64 probe slots share one signal, and a listener each
  // would trip Node's listener-leak warning.
  const waitersBySignal = new Map<AbortSignal, { waiters: Set<Waiter>; onAbort: () => void }>();
  let timer: NodeJS.Timeout | undefined;
  let sweepAtSize = HOST_SWEEP_THRESHOLD;

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
    sweepAtSize = Math.max(HOST_SWEEP_THRESHOLD, hosts.size * 2);
  };

  const tryGrant = (host: string, atMs: number): boolean => {
    refill(globalBucket, globalRate, globalCapacity, atMs);
    if (globalBucket.tokens < 1) return false;
    const bucket = hostBucket(host, atMs);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    globalBucket.tokens -= 1;
    return true;
  };

  const removeWaiter = (waiter: Waiter): void => {
    waiters.delete(waiter);
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
          if (waiters.size === 0 && timer !== undefined) {
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
    for (const waiter of waiters) {
      if (tryGrant(waiter.host, atMs)) {
        removeWaiter(waiter);
        waiter.resolve();
      } else if (globalBucket.tokens < 1) {
        break;
      }
    }
    schedule(atMs);
  };

  const schedule = (atMs: number): void => {
    if (timer !== undefined || waiters.size === 0) return;
    let hostWaitMs = Number.POSITIVE_INFINITY;
    for (const waiter of waiters) {
      hostWaitMs = Math.min(hostWaitMs, msUntilToken(hostBucket(waiter.host, atMs), hostRate));
      if (hostWaitMs === 0) break;
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
      if (waiters.size === 0 && tryGrant(host, atMs)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { host, resolve, reject, signal };
        waiters.add(waiter);
        hostBucket(host, atMs).waiting += 1;
        listenForAbort(waiter);
        // Run the queue now rather than at the pending timer: earlier waiters may be held by their own host's
        // limit while this host could go at once.
        if (timer !== undefined) clearTimeout(timer);
        pump();
      });
    },
    get waiting() {
      return waiters.size;
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

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

export interface ProbeContextOptions {
  config: Readonly<ScanConfig>;
  log: Logger;
  scanId?: string;
  signal: AbortSignal;
  /** Shared by every channel of a scan; created from the config when not given. */
  limiter?: RateLimiter;
  /** Clock for observedAt, injected by tests. */
  now?: () => Date;
}

export function createProbeContext(options: ProbeContextOptions): ProbeContext {
  const { config, log, scanId, signal } = options;
  const limiter =
    options.limiter ?? createRateLimiter({ globalPerSecond: config.globalRatePerSecond, perHostPerSecond: config.perHostRatePerSecond });
  const observationContext = { site: config.site, agent: config.agent, ...(scanId !== undefined ? { scanId } : {}), ...(options.now ? { now: options.now } : {}) };
  return {
    config,
    log,
    limiter,
    signal,
    observe: (input: ObservationInput): Observation => createObservation(input, observationContext),
  };
}

type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Runs `fn` over `items` with at most `limit` calls in flight and yields results as they complete (not in input
 * order). Items are pulled lazily, so a generator of 65 536 addresses is never materialised. When `signal`
 * aborts, no new item starts, in-flight calls see the abort through their own signal, and the iteration ends
 * once they settle (their rejections are the abort, not failures). A call that fails otherwise ends the
 * iteration with its error after the others settle: callers that want to go on catch inside `fn`.
 */
export async function* mapConcurrent<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
  signal?: AbortSignal,
): AsyncGenerator<R, void, undefined> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a positive integer (got ${limit})`);
  const inner = new AbortController();
  // Every in-flight call listens on this signal (sockets, limiter): up to `limit` listeners is expected.
  setMaxListeners(0, inner.signal);
  const onOuterAbort = (): void => inner.abort(signal?.reason);
  if (signal?.aborted) return;
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  const iterator: Iterator<T> | AsyncIterator<T> =
    Symbol.asyncIterator in items ? (items as AsyncIterable<T>)[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
  const completed: Settled<R>[] = [];
  let wake: (() => void) | undefined;
  let running = 0;
  let exhausted = false;
  let failure: { error: unknown } | undefined;
  const settle = (result: Settled<R>): void => {
    running -= 1;
    completed.push(result);
    wake?.();
  };
  try {
    for (;;) {
      // Results not yet taken count against the limit too, so a slow consumer bounds how far we read ahead.
      while (!exhausted && failure === undefined && !inner.signal.aborted && running + completed.length < limit) {
        const next = await iterator.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        running += 1;
        Promise.resolve()
          .then(() => fn(next.value, inner.signal))
          .then(
            (value) => settle({ ok: true, value }),
            (error: unknown) => settle({ ok: false, error }),
          );
      }
      const result = completed.shift();
      if (result === undefined) {
        if (running === 0) break;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      if (!result.ok) {
        if (failure === undefined && !inner.signal.aborted) {
          failure = { error: result.error };
          inner.abort(result.error);
        }
        continue;
      }
      if (failure === undefined) yield result.value;
    }
    if (failure !== undefined) throw failure.error;
  } finally {
    signal?.removeEventListener('abort', onOuterAbort);
    // The consumer stopped early (break/throw): tell in-flight calls and the item source to stop.
    inner.abort(new DOMException('iteration stopped', 'AbortError'));
    if (!exhausted) await iterator.return?.();
  }
}

/**
 * Resolves with `work` or rejects with CAMAUDIT_ERR_TIMEOUT after `ms`, or with the abort reason when `signal`
 * aborts. When `work` is a function it receives a signal that aborts on either, so the work itself can stop
 * (close its socket) instead of running on unseen.
 */
export async function withDeadline<T>(
  work: Promise<T> | ((signal: AbortSignal) => Promise<T>),
  ms: number,
  signal?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const bounds = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new CamauditError('CAMAUDIT_ERR_TIMEOUT', `no result within ${ms} ms`);
      controller.abort(error);
      reject(error);
    }, ms);
    // The deadline guards work that holds its own handles (sockets); it must not keep the process alive itself.
    timer.unref();
    if (signal) {
      onAbort = (): void => {
        controller.abort(signal.reason);
        reject(abortReason(signal));
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  try {
    const promise = typeof work === 'function' ? Promise.resolve().then(() => work(controller.signal)) : work;
    return await Promise.race([promise, bounds]);
  } finally {
    clearTimeout(timer);
    if (signal && onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Runs several channels at once and merges their observations into one stream, so one scan probes every channel
 * concurrently under the same limiter. Each module gets a child logger and a signal that also aborts when the
 * consumer stops early. A module that throws is logged and the others go on. Backpressure: a module waits until
 * its previous observation was taken before producing the next.
 */
export async function* runModules(
  modules: readonly DiscoveryModule[],
  scope: ProbeScope,
  context: ProbeContext,
): AsyncGenerator<Observation, void, undefined> {
  const stop = new AbortController();
  const signal = AbortSignal.any([context.signal, stop.signal]);
  setMaxListeners(0, signal);
  const queue: { observation: Observation; taken: () => void }[] = [];
  let wake: (() => void) | undefined;
  let stopped = false;
  let active = modules.length;

  const pump = async (module: DiscoveryModule): Promise<void> => {
    const log = context.log.child({ channel: module.name });
    const started = performance.now();
    let count = 0;
    try {
      for await (const observation of module.probe(scope, { ...context, log, signal })) {
        if (stopped) break;
        count += 1;
        await new Promise<void>((taken) => {
          queue.push({ observation, taken });
          wake?.();
        });
        if (stopped) break;
      }
      log.info({ observations: count, durationMs: Math.round(performance.now() - started) }, 'channel finished');
    } catch (error) {
      if (signal.aborted) log.info({ observations: count, reason: String(signal.reason) }, 'channel stopped');
      else log.error({ err: error, observations: count }, 'channel failed; the other channels go on');
    } finally {
      active -= 1;
      wake?.();
    }
  };

  for (const module of modules) void pump(module);
  try {
    for (;;) {
      const next = queue.shift();
      if (next) {
        next.taken();
        yield next.observation;
        continue;
      }
      if (active === 0) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    if (active > 0) {
      // The consumer stopped early: signal every module and release those waiting on a taken observation. The
      // pumps are not awaited, so a module slow to notice the abort cannot hold up the caller; they catch and
      // log their own errors, so nothing is left unhandled.
      stopped = true;
      stop.abort(new DOMException('merged stream closed', 'AbortError'));
      for (const entry of queue.splice(0)) entry.taken();
    }
  }
}
