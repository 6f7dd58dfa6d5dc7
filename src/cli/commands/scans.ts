import { createRootLogger } from '../../log.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { openDefaultInventory } from '../inventory.js';
import { renderTable } from '../text.js';

const USAGE = `camaudit scans [--db FILE] [--json] [--limit N]

Lists recorded scans, newest first.`;

export const scansCommand: Command = {
  usage: USAGE,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { db: { type: 'string' }, json: { type: 'boolean', default: false }, limit: { type: 'string', default: '50' } });
    const inventory = openDefaultInventory(values.db, createRootLogger());
    try {
      const page = inventory.listScans({ limit: Number(values.limit) || 50, offset: 0 });
      if (values.json) {
        process.stdout.write(`${JSON.stringify(page.items, null, 2)}\n`);
        return 0;
      }
      const rows = page.items.map((scan) => [scan.id, scan.status, scan.startedAt, scan.finishedAt, String(scan.counts.observations ?? '-'), String(scan.counts.devices ?? '-'), JSON.stringify(scan.scope.cidrs ?? [])]);
      process.stdout.write(`${renderTable(['SCAN', 'STATUS', 'STARTED', 'FINISHED', 'OBSERVATIONS', 'DEVICES', 'RANGES'], rows)}\n`);
      return 0;
    } finally {
      inventory.close();
    }
  },
};
