import type { Logger } from 'pino';
import { CamauditError } from '../errors.js';
import { API_LIMITS } from '../config.js';

// `camaudit serve --scan-every 1h`: run a scan on a schedule, one at a time. A tick that finds the previous scan
// (or any other, e.g. one started over the API) still running is skipped, not queued.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const MIN_SCHEDULE_MS = API_LIMITS.minScheduleMs;
// Longer than a year is a typo, not a schedule.
export const MAX_SCHEDULE_MS = 366 * 86_400_000;
// Node's timers hold a signed 32-bit delay: a longer one (24.8 days) is taken as 1 ms, so a schedule of 25 days
// would fire every millisecond. Long waits are chained in steps no longer than this.
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** `30s`, `15m`, `1h`, `1h30m`, `2d`, `500ms` → milliseconds. Throws CAMAUDIT_ERR_BAD_USAGE. */
export function parseDuration(text: string): number {
  const trimmed = text.trim().toLowerCase();
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = pattern.exec(trimmed); match; match = pattern.exec(trimmed)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    consumed = pattern.lastIndex;
  }
  if (trimmed === '' || consumed !== trimmed.length || !Number.isFinite(total) || total <= 0) {
    throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', `"${text}" is not a duration like 30s, 15m, 1h or 1h30m`);
  }
  return Math.round(total);
}

export interface ScheduleOptions {
  everyMs: number;
  /** Runs one whole scan; resolves when it has finished. */
  run: () => Promise<unknown>;
  log: Logger;
  /** Another scan (not started by this schedule) is running: skip the tick. */
  isBusy?: () => boolean | Promise<boolean>;
  /** Run once at start rather than waiting a whole period. */
  runAtStart?: boolean;
}

export interface Schedule {
  /** Stops the timer and waits for a scan in progress to finish. */
  stop(): Promise<void>;
  /** Scans started so far, and ticks skipped because one was running. */
  readonly stats: { started: number; skipped: number; failed: number };
}

export function scheduleScans(options: ScheduleOptions): Schedule {
  if (!Number.isFinite(options.everyMs) || options.everyMs < MIN_SCHEDULE_MS || options.everyMs > MAX_SCHEDULE_MS) {
    throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', `a scan schedule must be between ${MIN_SCHEDULE_MS / 60_000} minute and ${MAX_SCHEDULE_MS / 86_400_000} days apart`);
  }
  const log = options.log.child({ module: 'scheduler' });
  const stats = { started: 0, skipped: 0, failed: 0 };
  let current: Promise<void> | undefined;
  let stopped = false;

  const skip = (): void => {
    stats.skipped += 1;
    log.info({ everyMs: options.everyMs }, 'scheduled scan skipped: a scan is still running');
  };
  const tick = (): void => {
    if (stopped) return;
    if (current) return skip();
    // Asked now, answered maybe later (the inventory may be PostgreSQL); `current` holds the slot meanwhile.
    const busy = options.isBusy?.();
    current = (async () => {
      try {
        if (await busy) return skip();
        stats.started += 1;
        await options.run();
      } catch (error) {
        stats.failed += 1;
        log.error({ err: error }, 'scheduled scan failed');
      } finally {
        current = undefined;
      }
    })();
  };

  // Ticks are due at fixed points (start + n × everyMs), each reached by a chain of timeouts that Node can hold.
  let dueAt = Date.now() + options.everyMs;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    if (stopped) return;
    const remaining = dueAt - Date.now();
    if (remaining > 0) {
      timer = setTimeout(arm, Math.min(remaining, MAX_TIMER_DELAY_MS));
      return;
    }
    tick();
    dueAt += options.everyMs * Math.max(1, Math.ceil(-remaining / options.everyMs));
    arm();
  };
  arm();
  if (options.runAtStart) tick();
  log.info({ everyMs: options.everyMs }, 'scans scheduled');
  return {
    stats,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
