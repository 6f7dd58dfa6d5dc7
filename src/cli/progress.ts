import type { ScanProgress } from '../scan.js';
import { CLI_LIMITS } from '../config.js';

const PHASE_NAMES: Record<NonNullable<ScanProgress['phase']>, string> = {
  'host-discovery': 'host discovery',
  probing: 'probing live hosts',
  'follow-up': 'probing announced ports',
};

/** Seconds as "42 s" or "3 min 05 s". */
function duration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

/**
 * One progress line: the phase, the addresses done out of the total, and the time left at the pace so far
 * (`elapsedMs` since the phase began), then what was seen. Pure, for tests.
 */
export function progressLine(progress: ScanProgress, elapsedMs: number): string {
  const seen = `${progress.observations} observations from ${progress.addresses} addresses`;
  if (progress.phase === undefined) return `scanning: ${seen}`;
  const name = PHASE_NAMES[progress.phase];
  const { done, total } = progress;
  if (done === undefined || total === undefined || total === 0) return `${name}${total !== undefined ? ` (${total} addresses)` : ''}: ${seen}`;
  const percent = Math.min(100, Math.floor((done / total) * 100));
  // Before a second has passed the pace says little.
  const eta = done > 0 && done < total && elapsedMs >= 1000 ? `, about ${duration(((total - done) * elapsedMs) / done / 1000)} left` : '';
  return `${name}: ${done}/${total} addresses (${percent}%)${eta}; ${seen}`;
}

/**
 * Progress on stderr, only on a terminal: a line redrawn at most ten times a second. A pipe and `--json` (quiet)
 * get only the closing summary line, so logs and scripts stay clean.
 */
export function createProgress(stream: NodeJS.WriteStream, options: { quiet?: boolean } = {}): { update: (progress: ScanProgress) => void; done: (message: string) => void } {
  const interactive = stream.isTTY === true && options.quiet !== true;
  let lastWriteMs = 0;
  let phase: ScanProgress['phase'];
  let phaseStartedMs = Date.now();
  return {
    update(progress) {
      if (!interactive) return;
      const now = Date.now();
      if (progress.phase !== phase) {
        phase = progress.phase;
        phaseStartedMs = now;
      }
      if (now - lastWriteMs < CLI_LIMITS.progressTerminalMs) return;
      lastWriteMs = now;
      stream.write(`\r${progressLine(progress, now - phaseStartedMs)}\u001b[K`);
    },
    done(message) {
      stream.write(interactive ? `\r${message}\u001b[K\n` : `${message}\n`);
    },
  };
}
