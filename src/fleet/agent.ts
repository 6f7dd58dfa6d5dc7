import { readFileSync, statSync } from 'node:fs';
import type { Logger } from 'pino';
import { CamauditError } from '../errors.js';
import { createPusher, type Pusher } from './push.js';
import { spoolSink, type ScanSink } from './sink.js';
import { openSpool, type Spool } from './spool.js';

// What `scan --push` and `camaudit agent` share: the push token, the spool and the pusher.

export const DEFAULT_SPOOL_DIRECTORY = 'camaudit-spool';
export const DEFAULT_SPOOL_MAX_BYTES = 256 * 1024 * 1024;
const MAX_TOKEN_FILE_BYTES = 4096;

/** The push token: CAMAUDIT_PUSH_TOKEN, or the first line of --push-token-file (never a flag: `ps` shows flags). */
export function resolvePushToken(tokenFile: string | undefined, log: Logger): string {
  if (tokenFile !== undefined) {
    let text: string;
    try {
      if (statSync(tokenFile).size > MAX_TOKEN_FILE_BYTES) throw new Error('larger than a token file can be');
      if ((statSync(tokenFile).mode & 0o077) !== 0) log.warn({ file: tokenFile }, 'the push token file can be read by other users (chmod 600 it)');
      text = readFileSync(tokenFile, 'utf8');
    } catch (error) {
      throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', `cannot read the push token file ${tokenFile}: ${(error as Error).message}`, { cause: error });
    }
    const token = text.split('\n')[0]!.trim();
    if (token === '') throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', `the push token file ${tokenFile} is empty`);
    return token;
  }
  const token = process.env.CAMAUDIT_PUSH_TOKEN?.trim();
  if (!token) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'pushing needs a token: CAMAUDIT_PUSH_TOKEN or --push-token-file FILE (camaudit token create --site NAME on the central server makes one)');
  return token;
}

export interface Pushing {
  spool: Spool;
  pusher: Pusher;
  sink: ScanSink;
}

export interface PushingOptions {
  serverUrl: string;
  tokenFile?: string;
  spoolDirectory?: string;
  spoolMaxBytes?: number;
  scanEverySeconds?: number;
  batchObservations?: number;
  log: Logger;
}

export function setUpPushing(options: PushingOptions): Pushing {
  const log = options.log.child({ module: 'push' });
  const token = resolvePushToken(options.tokenFile, log);
  const spool = openSpool({
    directory: options.spoolDirectory ?? process.env.CAMAUDIT_SPOOL_DIR ?? DEFAULT_SPOOL_DIRECTORY,
    maxBytes: options.spoolMaxBytes ?? DEFAULT_SPOOL_MAX_BYTES,
    log,
  });
  const pusher = createPusher({ serverUrl: options.serverUrl, token, spool, log });
  const sink = spoolSink({
    spool,
    onBatch: () => pusher.nudge(),
    ...(options.scanEverySeconds !== undefined ? { scanEverySeconds: options.scanEverySeconds } : {}),
    ...(options.batchObservations !== undefined ? { batchObservations: Math.max(1, Math.trunc(options.batchObservations)) } : {}),
  });
  return { spool, pusher, sink };
}
