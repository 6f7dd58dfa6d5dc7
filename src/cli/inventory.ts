import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { openInventory, type Inventory } from '../inventory/index.js';
import { identify, loadKnowledgeBase } from '../match/index.js';

export function defaultDatabasePath(): string {
  return process.env.CAMAUDIT_DB ?? 'camaudit.sqlite';
}

/** The inventory with the real matcher plugged in (the inventory itself knows nothing of fingerprints). */
export function openDefaultInventory(path: string | undefined, log: Logger): Inventory & { path: string } {
  const file = resolve(path ?? defaultDatabasePath());
  const knowledgeBase = loadKnowledgeBase();
  const inventory = openInventory(file, { identify: (observations) => identify(observations, knowledgeBase), log: log.child({ module: 'inventory' }) });
  return Object.assign(inventory, { path: file });
}
