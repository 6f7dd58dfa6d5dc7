import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CamauditError } from '../errors.js';
import type { IngestBatch } from '../inventory/index.js';

// The agent's outbox on disk: every batch is written here before it is sent, and removed only once the central
// server has acknowledged it, so a batch survives the server being down and the agent being restarted. Files are
// named by a sequence number and sent oldest first; the spool is bounded in bytes, and when a new batch would
// overflow it the oldest batches are dropped (with a warning): a later scan sees the same devices again.

const SUFFIX = '.batch.json';
const REJECTED = 'rejected';

export interface SpoolEntry {
  file: string;
  batch: IngestBatch;
  bytes: number;
}

export interface SpoolOptions {
  directory: string;
  maxBytes: number;
  log: Logger;
}

export interface Spool {
  readonly directory: string;
  append(batch: IngestBatch): void;
  /** The oldest batch, or undefined when the spool is empty. An unreadable file is set aside, not returned. */
  oldest(): SpoolEntry | undefined;
  remove(entry: SpoolEntry): void;
  /** Moves a batch the server refused for good (400, 403) out of the queue, into rejected/, for a human to read. */
  reject(entry: SpoolEntry, reason: string): void;
  pending(): { batches: number; bytes: number };
}

function writeDurably(path: string, text: string): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  const fd = openSync(temporary, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

export function openSpool(options: SpoolOptions): Spool {
  const { directory, log } = options;
  try {
    mkdirSync(join(directory, REJECTED), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new CamauditError('CAMAUDIT_ERR_PUSH', `cannot create the spool directory ${directory}: ${(error as Error).message}`, { cause: error });
  }
  const files = (): string[] => readdirSync(directory).filter((name) => name.endsWith(SUFFIX)).sort();
  const sizeOf = (name: string): number => {
    try {
      return statSync(join(directory, name)).size;
    } catch {
      return 0;
    }
  };
  let sequence = files().reduce((highest, name) => Math.max(highest, Number.parseInt(name, 10) || 0), 0);

  const spool: Spool = {
    directory,
    append(batch) {
      const text = JSON.stringify(batch);
      const bytes = Buffer.byteLength(text);
      if (bytes > options.maxBytes) throw new CamauditError('CAMAUDIT_ERR_PUSH', `one batch (${bytes} bytes) is larger than the whole spool (${options.maxBytes} bytes)`);
      const queued = files().map((name) => ({ name, bytes: sizeOf(name) }));
      let total = queued.reduce((sum, entry) => sum + entry.bytes, 0);
      const dropped: string[] = [];
      while (total + bytes > options.maxBytes && queued.length > 0) {
        const oldest = queued.shift()!;
        rmSync(join(directory, oldest.name), { force: true });
        total -= oldest.bytes;
        dropped.push(oldest.name);
      }
      if (dropped.length > 0) log.warn({ dropped: dropped.length, maxBytes: options.maxBytes }, 'spool full: the oldest batches were dropped');
      sequence += 1;
      writeDurably(join(directory, `${String(sequence).padStart(16, '0')}${SUFFIX}`), text);
    },
    oldest() {
      for (const name of files()) {
        const path = join(directory, name);
        try {
          const text = readFileSync(path, 'utf8');
          return { file: name, batch: JSON.parse(text) as IngestBatch, bytes: Buffer.byteLength(text) };
        } catch (error) {
          spool.reject({ file: name, batch: undefined as never, bytes: 0 }, `unreadable: ${(error as Error).message}`);
        }
      }
      return undefined;
    },
    remove(entry) {
      rmSync(join(directory, entry.file), { force: true });
    },
    reject(entry, reason) {
      try {
        renameSync(join(directory, entry.file), join(directory, REJECTED, entry.file));
      } catch {
        rmSync(join(directory, entry.file), { force: true });
      }
      log.error({ file: entry.file, reason }, 'a spooled batch was refused for good and set aside');
    },
    pending() {
      const names = files();
      return { batches: names.length, bytes: names.reduce((sum, name) => sum + sizeOf(name), 0) };
    },
  };
  return spool;
}
