import { createRootLogger } from '../../log.js';
import { CamauditError } from '../../errors.js';
import type { DiffEntry } from '../../inventory/index.js';
import { defineCommand } from '../command.js';
import { DB_OPTION, openDefaultInventory } from '../inventory.js';
import { terminalSafe } from '../text.js';
import { CLI_LIMITS } from '../../config.js';

function describe(entry: DiffEntry): string {
  return terminalSafe(`${entry.ip} ${entry.mac ?? '-'} ${entry.vendor ?? 'unknown'}${entry.brand && entry.brand !== entry.vendor ? `/${entry.brand}` : ''} ${entry.model ?? ''} (${entry.deviceId})`, CLI_LIMITS.lineChars);
}

export const diffCommand = defineCommand({
  name: 'diff',
  operands: '[SCAN_A] [SCAN_B]',
  summary: 'What is new, gone and changed (address, firmware, identification) between two scans.',
  details: 'With one scan id: that scan against the one before it. With none: the latest scan against the one before it.',
  options: {
    json: { type: 'boolean', description: 'print JSON instead of text' },
    db: DB_OPTION,
  },
  async run({ values, operands }) {
    const inventory = await openDefaultInventory(values.db, createRootLogger(), { mustExist: true });
    try {
      let [from, to] = operands;
      if (to === undefined) {
        to = from ?? (await inventory.listScans({ limit: 1, offset: 0 })).items[0]?.id;
        if (to === undefined) throw new CamauditError('CAMAUDIT_ERR_NOT_FOUND', 'no scans recorded yet');
        from = await inventory.previousScanId(to);
        if (from === undefined) throw new CamauditError('CAMAUDIT_ERR_NOT_FOUND', `scan ${to} has no earlier scan to compare with`);
      }
      if (from === undefined) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'give two scan ids');
      const diff = await inventory.diffScans(from, to);
      if (values.json) {
        process.stdout.write(`${JSON.stringify(diff, null, 2)}\n`);
        return 0;
      }
      const lines = [`diff ${diff.from} -> ${diff.to}: ${diff.new.length} new, ${diff.gone.length} gone, ${diff.changed.length} changed, ${diff.unchanged} unchanged`];
      for (const entry of diff.new) lines.push(`+ ${describe(entry)}`);
      for (const entry of diff.gone) lines.push(`- ${describe(entry)}`);
      for (const entry of diff.changed) {
        lines.push(`~ ${describe(entry)}`);
        for (const change of entry.changes) lines.push(`    ${change.field}: ${terminalSafe(change.before ?? '-')} -> ${terminalSafe(change.after ?? '-')}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      await inventory.close();
    }
  },
});
