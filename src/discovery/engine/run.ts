// The one probe-loop machinery every channel shares: rate limiting, bounded concurrency, deadlines and the
// merging of several channels into one stream. Timeouts, concurrency and abort live here and nowhere else
// (STYLE.md: no copy-pasted probe loops).
import type { ScanScope } from '../../net/scope.js';
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { ScanConfig } from '../../config.js';
import { CamauditError } from '../../errors.js';
import type { Observation } from '../../model.js';
import { createObservation, type ObservationInput } from '../../observation.js';
import { abortReason, createRateLimiter } from './rate-limiter.js';
import { createRejectionLog, type RejectionSummary } from './rejections.js';
import type { DiscoveryModule, ProbeContext, ProbeScope, RateLimiter } from '../types.js';

export { createRateLimiter, type RateLimiterOptions, type TokenBucketRateLimiter } from './rate-limiter.js';
export { rejectionRecord, type RejectionEntry, type RejectionSummary } from './rejections.js';

export interface ProbeContextOptions {
  config: Readonly<ScanConfig>;
  log: Logger;
  scanId?: string;
  signal: AbortSignal;
  /** Shared by every channel of a scan; created from the config when not given. */
  limiter?: RateLimiter;
  /** Clock for observedAt, injected by tests. */
  now?: () => Date;
  /** Where the scan may send anything; every scan gives it. */
  scope?: ScanScope;
}

/** A scan's context, plus what its channels refused (for the scan's record: counts and errors). */
export interface ScanProbeContext extends ProbeContext {
  rejections(): RejectionSummary;
}

export function createProbeContext(options: ProbeContextOptions): ScanProbeContext {
  const { config, log, scanId, signal } = options;
  const rejectionLog = createRejectionLog(log, options.now ? { now: options.now } : {});
  const limiter =
    options.limiter ?? createRateLimiter({ globalPerSecond: config.globalRatePerSecond, perHostPerSecond: config.perHostRatePerSecond });
  const observationContext = { site: config.site, agent: config.agent, ...(scanId !== undefined ? { scanId } : {}), ...(options.now ? { now: options.now } : {}) };
  return {
    config,
    log,
    limiter,
    signal,
    observe: (input: ObservationInput): Observation => createObservation(input, observationContext),
    reject: (input) => rejectionLog.record(input),
    rejections: () => rejectionLog.summary(),
    ...(options.scope !== undefined ? { scope: options.scope } : {}),
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
  // Each call gets a signal of its own, aborted from here. Sockets and the limiter add and remove abort listeners
  // per connection, and EventTarget walks its whole listener list on every add and remove: on one signal shared by
  // `limit` calls that walk cost a tenth of a /16 sweep's CPU. One listener here fans the abort out instead.
  const inFlight = new Set<AbortController>();
  inner.signal.addEventListener(
    'abort',
    () => {
      for (const controller of inFlight) controller.abort(inner.signal.reason);
    },
    { once: true },
  );
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
        const controller = new AbortController();
        // A host's sockets and its limiter wait may hold a dozen listeners at once: not a leak.
        setMaxListeners(0, controller.signal);
        inFlight.add(controller);
        Promise.resolve()
          .then(() => fn(next.value, controller.signal))
          .then(
            (value) => settle({ ok: true, value }),
            (error: unknown) => settle({ ok: false, error }),
          )
          .finally(() => inFlight.delete(controller));
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
