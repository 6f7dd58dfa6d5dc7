import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { openInventory, type Inventory } from '../inventory/index.js';
import { identify, loadKnowledgeBase } from '../match/index.js';
import type { StringOption } from './command.js';

/** `--db FILE`, shared by every command that opens the inventory. */
export const DB_OPTION = { type: 'string', value: 'FILE', env: 'CAMAUDIT_DB', default: 'camaudit.sqlite', description: 'inventory file (SQLite)' } as const satisfies StringOption;

/** The inventory with the real matcher plugged in (the inventory itself knows nothing of fingerprints). */
export function openDefaultInventory(path: string, log: Logger): Inventory & { path: string } {
  const file = resolve(path);
  const knowledgeBase = loadKnowledgeBase();
  const inventory = openInventory(file, { identify: (observations) => identify(observations, knowledgeBase), log });
  return Object.assign(inventory, { path: file });
}
