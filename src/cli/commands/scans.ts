import { createRootLogger } from '../../log.js';
import { defineCommand } from '../command.js';
import { DB_OPTION, openDefaultInventory } from '../inventory.js';
import { renderTable } from '../text.js';

export const scansCommand = defineCommand({
  name: 'scans',
  summary: 'Lists recorded scans, newest first.',
  options: {
    limit: { type: 'number', value: 'N', default: 50, description: 'most scans listed' },
    json: { type: 'boolean', description: 'print JSON instead of a table' },
    db: DB_OPTION,
  },
  async run({ values }) {
    const inventory = await openDefaultInventory(values.db, createRootLogger(), { mustExist: true });
    try {
      const page = await inventory.listScans({ limit: Math.max(1, Math.trunc(values.limit)), offset: 0 });
      if (values.json) {
        process.stdout.write(`${JSON.stringify(page.items, null, 2)}\n`);
        return 0;
      }
      const rows = page.items.map((scan) => [scan.id, scan.status, scan.startedAt, scan.finishedAt, String(scan.counts.observations ?? '-'), String(scan.counts.devices ?? '-'), JSON.stringify(scan.scope.cidrs ?? [])]);
      process.stdout.write(`${renderTable(['SCAN', 'STATUS', 'STARTED', 'FINISHED', 'OBSERVATIONS', 'DEVICES', 'RANGES'], rows)}\n`);
      return 0;
    } finally {
      await inventory.close();
    }
  },
});
