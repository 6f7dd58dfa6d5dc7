import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCAN_CONFIG } from '../../src/config.js';
import { createProbeContext, createRateLimiter, mapConcurrent, runModules, withDeadline } from '../../src/discovery/engine/run.js';
import type { DiscoveryModule, ProbeContext } from '../../src/discovery/types.js';
import { CamauditError } from '../../src/errors.js';
import type { Observation } from '../../src/model.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function collectingLogger(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

function context(signal = new AbortController().signal): { context: ProbeContext; lines: Record<string, unknown>[] } {
  const { log, lines } = collectingLogger();
  const config = { ...DEFAULT_SCAN_CONFIG, site: 'lab', agent: 'a1' };
  return { context: createProbeContext({ config, log, scanId: 's1', signal, now: () => new Date('2026-01-01T00:00:00Z') }), lines };
}

describe('mapConcurrent', () => {
  it('never runs more than the limit at once and yields every result', async () => {
    let running = 0;
    let peak = 0;
    const results: number[] = [];
    for await (const value of mapConcurrent(
      Array.from({ length: 30 }, (_, index) => index),
      4,
      async (item) => {
        running += 1;
        peak = Math.max(peak, running);
        await sleep(5 + (item % 3) * 5);
        running -= 1;
        return item * 2;
      },
    )) {
      results.push(value);
    }
    expect(peak).toBe(4);
    expect(results.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, index) => index * 2));
  });

  it('yields results in completion order, not input order', async () => {
    const order: string[] = [];
    for await (const value of mapConcurrent(['slow', 'fast'], 2, async (item) => {
      await sleep(item === 'slow' ? 60 : 5);
      return item;
    })) {
      order.push(value);
    }
    expect(order).toEqual(['fast', 'slow']);
  });

  it('pulls items lazily from an infinite generator', async () => {
    let pulled = 0;
    function* forever(): Generator<number> {
      for (;;) yield pulled++;
    }
    const seen: number[] = [];
    for await (const value of mapConcurrent(forever(), 3, async (item) => item)) {
      seen.push(value);
      if (seen.length === 10) break;
    }
    expect(pulled).toBeLessThanOrEqual(10 + 3 + 1);
  });

  it('stops starting work on abort and ends once in-flight calls settle', async () => {
    const controller = new AbortController();
    let started = 0;
    const results: number[] = [];
    const began = performance.now();
    setTimeout(() => controller.abort(new Error('stop')), 30);
    for await (const value of mapConcurrent(
      Array.from({ length: 1000 }, (_, index) => index),
      5,
      async (item, signal) => {
        started += 1;
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, 20);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(signal.reason);
          });
        });
        return item;
      },
      controller.signal,
    )) {
      results.push(value);
    }
    expect(performance.now() - began).toBeLessThan(200);
    expect(started).toBeLessThan(30);
    expect(results.length).toBeLessThan(started);
  });

  it('ends with the first error of a call', async () => {
    const run = async (): Promise<void> => {
      for await (const _ of mapConcurrent([1, 2, 3], 2, async (item) => {
        if (item === 2) throw new Error('boom');
        return item;
      })) {
        // consume
      }
    };
    await expect(run()).rejects.toThrow('boom');
  });
});

describe('withDeadline', () => {
  it('resolves with the work when it is in time', async () => {
    expect(await withDeadline(sleep(5).then(() => 'ok'), 200)).toBe('ok');
  });

  it('rejects with CAMAUDIT_ERR_TIMEOUT at the deadline and aborts the work', async () => {
    let workSignal: AbortSignal | undefined;
    const started = performance.now();
    const error = await withDeadline(
      (signal) => {
        workSignal = signal;
        return sleep(1000);
      },
      50,
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CamauditError);
    expect((error as CamauditError).code).toBe('CAMAUDIT_ERR_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(200);
    expect(workSignal?.aborted).toBe(true);
  });

  it('rejects with the abort reason', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user stop')), 10);
    await expect(withDeadline(sleep(1000), 5000, controller.signal)).rejects.toThrow('user stop');
  });
});

function moduleOf(name: string, ips: string[], delayMs: number, failAfter?: number): DiscoveryModule {
  return {
    name,
    emits: ['http'],
    async *probe(_scope, probeContext) {
      let index = 0;
      for (const ip of ips) {
        if (failAfter !== undefined && index === failAfter) throw new Error(`${name} broke`);
        await sleep(delayMs);
        index += 1;
        yield probeContext.observe({ source: 'http', ip, http: { headers: {} } });
      }
    },
  };
}

describe('createProbeContext', () => {
  it('stamps site, agent, scan id and a stable id', () => {
    const { context: probeContext } = context();
    const first = probeContext.observe({ source: 'neighbour', ip: '10.0.0.1', mac: '00:11:22:33:44:55' });
    const second = probeContext.observe({ source: 'neighbour', ip: '10.0.0.1', mac: '00:11:22:33:44:55' });
    expect(first).toMatchObject({ site: 'lab', agent: 'a1', scanId: 's1', observedAt: '2026-01-01T00:00:00.000Z' });
    expect(first.id).toBe(second.id);
  });

  it('builds a limiter from the config when none is given', async () => {
    const { context: probeContext } = context();
    await probeContext.limiter.take('10.0.0.1', probeContext.signal);
  });
});

describe('runModules', () => {
  it('runs modules concurrently and merges their observations', async () => {
    const { context: probeContext } = context();
    const started = performance.now();
    const seen: Observation[] = [];
    for await (const observation of runModules(
      [moduleOf('a', ['10.0.0.1', '10.0.0.2', '10.0.0.3'], 40), moduleOf('b', ['10.0.1.1', '10.0.1.2', '10.0.1.3'], 40)],
      { cidrs: [], interfaces: [] },
      probeContext,
    )) {
      seen.push(observation);
    }
    expect(seen.map((o) => o.ip).sort()).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.1.1', '10.0.1.2', '10.0.1.3']);
    // Sequential would take 6 × 40 ms; concurrent about 3 × 40 ms.
    expect(performance.now() - started).toBeLessThan(220);
  });

  it('logs a failing module and keeps the others', async () => {
    const { context: probeContext, lines } = context();
    const seen: string[] = [];
    for await (const observation of runModules(
      [moduleOf('bad', ['10.0.0.1', '10.0.0.2'], 5, 1), moduleOf('good', ['10.0.1.1', '10.0.1.2', '10.0.1.3'], 10)],
      { cidrs: [], interfaces: [] },
      probeContext,
    )) {
      seen.push(observation.ip);
    }
    expect(seen.sort()).toEqual(['10.0.0.1', '10.0.1.1', '10.0.1.2', '10.0.1.3']);
    const failure = lines.find((line) => line.msg === 'channel failed; the other channels go on');
    expect(failure).toMatchObject({ channel: 'bad', observations: 1 });
  });

  it('stops the modules when the consumer breaks early', async () => {
    const { context: probeContext } = context();
    let moduleSignal: AbortSignal | undefined;
    const endless: DiscoveryModule = {
      name: 'endless',
      emits: ['http'],
      async *probe(_scope, moduleContext) {
        moduleSignal = moduleContext.signal;
        for (let index = 0; ; index += 1) {
          await sleep(1);
          yield moduleContext.observe({ source: 'http', ip: `10.0.0.${index % 250}`, http: { headers: {} } });
        }
      },
    };
    let count = 0;
    const started = performance.now();
    // The second module ignores the abort and sleeps 5 s: breaking must not wait for it.
    for await (const _ of runModules([endless, moduleOf('slow', ['10.9.9.9'], 5000)], { cidrs: [], interfaces: [] }, probeContext)) {
      count += 1;
      if (count === 5) break;
    }
    expect(count).toBe(5);
    expect(performance.now() - started).toBeLessThan(500);
    expect(moduleSignal?.aborted).toBe(true);
    expect(probeContext.signal.aborted).toBe(false);
  });

  it('shares the limiter given in the context', async () => {
    const limiter = createRateLimiter({ globalPerSecond: 100, perHostPerSecond: 100 });
    const { log } = collectingLogger();
    const probeContext = createProbeContext({ config: DEFAULT_SCAN_CONFIG, log, signal: new AbortController().signal, limiter });
    expect(probeContext.limiter).toBe(limiter);
  });
});
