import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { CamauditError } from '../errors.js';
import type { IngestResult } from '../inventory/index.js';
import type { Spool, SpoolEntry } from './spool.js';

// Sends the spool to the central server, oldest batch first, one at a time (so a scan's last batch, which
// finishes it, always goes after the others). A batch is removed from the spool only after a 2xx answer; any
// failure (refused connection, timeout, 5xx, 401 while an operator fixes the token) is retried with exponential
// backoff and jitter. A 400 or 403 will not get better by retrying: that batch is set aside and the queue goes on.

export interface PusherOptions {
  /** The central server, e.g. https://camaudit.example:7370 */
  serverUrl: string;
  token: string;
  spool: Spool;
  log: Logger;
  /** Bound of one request, connect to answer. */
  requestTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

export interface DrainOutcome {
  sent: number;
  rejected: number;
  /** Batches still in the spool (the server is unreachable, or the deadline came first). */
  remaining: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_BACKOFF_INITIAL_MS = 1000;
export const DEFAULT_BACKOFF_MAX_MS = 5 * 60_000;

class PermanentRefusal extends Error {}

export interface Pusher {
  /** Sends until the spool is empty, `signal` aborts, or `deadline` (epoch ms) passes; never throws for the network. */
  drain(options?: { signal?: AbortSignal; deadline?: number }): Promise<DrainOutcome>;
  /** Wakes a drain that is waiting out a backoff (a new batch arrived). */
  nudge(): void;
}

export function ingestUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', `--push/--server must be an http:// or https:// URL, not ${serverUrl}`);
  // Trailing slashes trimmed by a loop: test/unit/regex-linear.test.ts holds every regex in src/ to linear time.
  let path = url.pathname;
  while (path.endsWith('/')) path = path.slice(0, -1);
  url.pathname = `${path}/ingest`;
  return url.toString();
}

export function createPusher(options: PusherOptions): Pusher {
  const target = ingestUrl(options.serverUrl);
  const initial = options.backoffInitialMs ?? DEFAULT_BACKOFF_INITIAL_MS;
  const maximum = options.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS;
  let wake: AbortController | undefined;

  async function send(entry: SpoolEntry): Promise<IngestResult> {
    const response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
      body: JSON.stringify(entry.batch),
      signal: AbortSignal.timeout(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (response.ok) return JSON.parse(text) as IngestResult;
    const message = `${response.status} ${text.slice(0, 300)}`;
    if (response.status === 400 || response.status === 403 || response.status === 413) throw new PermanentRefusal(message);
    throw new Error(message);
  }

  return {
    nudge() {
      wake?.abort();
    },
    async drain({ signal, deadline } = {}) {
      let sent = 0;
      let rejected = 0;
      let failures = 0;
      for (;;) {
        const entry = options.spool.oldest();
        if (!entry) return { sent, rejected, remaining: 0 };
        if (signal?.aborted || (deadline !== undefined && Date.now() >= deadline)) return { sent, rejected, remaining: options.spool.pending().batches };
        try {
          const result = await send(entry);
          options.spool.remove(entry);
          sent += 1;
          failures = 0;
          options.log.debug({ file: entry.file, ...result }, 'batch pushed');
        } catch (error) {
          if (error instanceof PermanentRefusal) {
            options.spool.reject(entry, error.message);
            rejected += 1;
            continue;
          }
          failures += 1;
          const delay = Math.min(maximum, initial * 2 ** Math.min(failures - 1, 20));
          const jittered = Math.round(delay / 2 + Math.random() * (delay / 2));
          const wait = deadline !== undefined ? Math.min(jittered, Math.max(0, deadline - Date.now())) : jittered;
          options.log.warn({ err: error instanceof Error ? error.message : String(error), retryInMs: wait, pending: options.spool.pending().batches }, 'push failed; will retry');
          wake = new AbortController();
          try {
            await sleep(wait, undefined, { signal: signal ? AbortSignal.any([signal, wake.signal]) : wake.signal });
          } catch {
            // Woken early (a new batch, or stop): go round again.
          }
        }
      }
    },
  };
}
