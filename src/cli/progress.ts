import type { ScanProgress } from '../scan.js';
import { CLI_LIMITS } from '../config.js';

// Progress goes to stderr; the spinner line is redrawn only on a terminal, otherwise one line per second at most.
export function createProgress(stream: NodeJS.WriteStream): { update: (progress: ScanProgress) => void; done: (message: string) => void } {
  const frames = ['|', '/', '-', '\\'];
  let frame = 0;
  let lastWriteMs = 0;
  const interactive = stream.isTTY === true;
  return {
    update(progress) {
      const now = Date.now();
      if (now - lastWriteMs < (interactive ? CLI_LIMITS.progressTerminalMs : CLI_LIMITS.progressLogMs)) return;
      lastWriteMs = now;
      const text = `scanning ${frames[frame++ % frames.length]} ${progress.observations} observations from ${progress.addresses} addresses`;
      stream.write(interactive ? `\r${text}\u001b[K` : `${text}\n`);
    },
    done(message) {
      stream.write(interactive ? `\r${message}\u001b[K\n` : `${message}\n`);
    },
  };
}
