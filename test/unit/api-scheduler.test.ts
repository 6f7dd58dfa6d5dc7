import { afterEach, describe, expect, it, vi } from 'vitest';
import { MIN_SCHEDULE_MS, parseDuration, scheduleScans } from '../../src/api/index.js';
import { silentLog } from './inventory-helpers.js';

describe('parseDuration', () => {
  it('reads 30s, 15m, 1h, 1h30m, 2d, 500ms and 1.5h', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration(' 2D ')).toBe(172_800_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5h')).toBe(5_400_000);
  });

  it('refuses anything else with a usage error', () => {
    for (const text of ['', '15', 'm', '1x', '1h 30m', '-1h', '0s', '1h30', 'h1', '1e3s']) {
      expect(() => parseDuration(text), text).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_BAD_USAGE' }));
    }
  });
});

describe('scheduleScans', () => {
  afterEach(() => vi.useRealTimers());

  it('runs on every tick, one at a time, skipping ticks while a scan runs', async () => {
    vi.useFakeTimers();
    const finishers: (() => void)[] = [];
    const run = vi.fn(() => new Promise<void>((resolve) => finishers.push(resolve)));
    const schedule = scheduleScans({ everyMs: 60_000, run, log: silentLog });
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(run).toHaveBeenCalledTimes(1);
    // Still running at the next two ticks: both skipped.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(run).toHaveBeenCalledTimes(1);
    expect(schedule.stats).toEqual({ started: 1, skipped: 2, failed: 0 });
    finishers[0]!();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(run).toHaveBeenCalledTimes(2);
    finishers[1]!();
    await schedule.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('skips when another scan is busy, survives a failing scan, and can run at start', async () => {
    vi.useFakeTimers();
    let busy = true;
    const run = vi.fn(async () => {
      throw new Error('boom');
    });
    const schedule = scheduleScans({ everyMs: 60_000, run, log: silentLog, isBusy: () => busy, runAtStart: true });
    expect(run).toHaveBeenCalledTimes(0);
    busy = false;
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(run).toHaveBeenCalledTimes(2);
    expect(schedule.stats).toEqual({ started: 2, skipped: 1, failed: 2 });
    await schedule.stop();
  });

  it('refuses a schedule faster than a minute or longer than a year', () => {
    for (const everyMs of [10, 1000, MIN_SCHEDULE_MS - 1, 367 * 86_400_000, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => scheduleScans({ everyMs, run: async () => undefined, log: silentLog }), String(everyMs)).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_BAD_USAGE' }));
    }
  });

  it('a schedule of 25 days or more does not overflow Node\'s timer (real timers: nothing runs within 50 ms)', async () => {
    for (const days of [25, 30, 90, 366]) {
      const run = vi.fn(async () => undefined);
      const schedule = scheduleScans({ everyMs: parseDuration(`${days}d`), run, log: silentLog });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await schedule.stop();
      expect(run, `${days}d`).not.toHaveBeenCalled();
    }
  });

  it('a 30-day schedule runs once per 30 days, reached through chained timeouts', async () => {
    vi.useFakeTimers();
    const run = vi.fn(async () => undefined);
    const schedule = scheduleScans({ everyMs: 30 * 86_400_000, run, log: silentLog });
    await vi.advanceTimersByTimeAsync(29 * 86_400_000);
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(86_400_000);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(30 * 86_400_000);
    expect(run).toHaveBeenCalledTimes(2);
    await schedule.stop();
  });
});
