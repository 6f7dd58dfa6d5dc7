import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CamauditError } from '../errors.js';
import type { Logger } from 'pino';
import { isPostgresUrl, openInventory, redactUrl, type Inventory } from '../inventory/index.js';
import { identify, loadKnowledgeBase } from '../match/index.js';
import type { StringOption } from './command.js';

/** `--db FILE`, shared by every command that opens the inventory. */
export const DB_OPTION = {
  type: 'string',
  value: 'FILE|URL',
  env: 'CAMAUDIT_DB',
  default: 'camaudit.sqlite',
  description: 'inventory: a SQLite file, or postgres://USER@HOST/DB (the central store agents push to)',
} as const satisfies StringOption;

export interface OpenOptions {
  /**
   * Refuse a SQLite file that does not exist instead of creating it. Commands that only read (devices, device,
   * scans, diff, export, and serve when it may not scan) set it: an empty inventory made from a typo in --db would
   * report "no devices", which reads as a clean audit.
   */
  mustExist?: boolean;
  /** Merge tuning for a bulk command (camaudit import): see InventoryOptions. */
  mergePartObservations?: number;
  sqliteCacheKiB?: number;
}

/**
 * The inventory with the real matcher plugged in (the inventory itself knows nothing of fingerprints): a SQLite
 * file, or PostgreSQL when the location is a postgres:// URL. `path` is what to show a user: the file's absolute
 * path, or the URL without its password.
 */
export async function openDefaultInventory(location: string, log: Logger, options: OpenOptions = {}): Promise<Inventory & { path: string }> {
  const target = isPostgresUrl(location) ? location : resolve(location);
  if (options.mustExist && !isPostgresUrl(target) && !existsSync(target)) throw new CamauditError('CAMAUDIT_ERR_NO_INVENTORY', `no inventory at ${target}`);
  const knowledgeBase = loadKnowledgeBase();
  const inventory = await openInventory(target, {
    identify: (observations) => identify(observations, knowledgeBase),
    log,
    ...(options.mergePartObservations === undefined ? {} : { mergePartObservations: options.mergePartObservations }),
    ...(options.sqliteCacheKiB === undefined ? {} : { sqliteCacheKiB: options.sqliteCacheKiB }),
  });
  return Object.assign(inventory, { path: isPostgresUrl(target) ? redactUrl(target) : target });
}
