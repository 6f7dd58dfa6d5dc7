import { writeFileSync } from 'node:fs';
import { devicesToCsv, devicesToJson, devicesToJsonLines, devicesToXlsx } from '../../export/index.js';
import { CamauditError } from '../../errors.js';
import { createRootLogger } from '../../log.js';
import { defineCommand } from '../command.js';
import { DEVICE_FILTER_OPTIONS, filterOfOptions } from '../filter-options.js';
import { DB_OPTION, openDefaultInventory } from '../inventory.js';

const FORMATS = ['csv', 'json', 'jsonl', 'xlsx'] as const;

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'Writes the inventory for replacement planning.',
  details: `Columns: site, location, IP, MAC, vendor, brand, model, firmware, serial, covered and why, advisories,
confidence, evidence summary, first and last seen, status. CSV cells that a spreadsheet would run as a formula are
neutralised. xlsx needs --out (it is binary). The filters are those of camaudit devices.`,
  options: {
    format: { type: 'choice', choices: FORMATS, default: 'csv', description: 'file format' },
    out: { type: 'string', value: 'FILE', description: 'write here instead of stdout' },
    bom: { type: 'boolean', description: 'prefix a UTF-8 byte order mark (Excel)' },
    ...DEVICE_FILTER_OPTIONS,
    db: DB_OPTION,
  },
  async run({ values }) {
    const format = values.format;
    if (format === 'xlsx' && values.out === undefined) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'xlsx is binary: give --out FILE');
    const inventory = openDefaultInventory(values.db, createRootLogger());
    try {
      const devices = inventory.listAllDevices(filterOfOptions(values));
      const content: string | Uint8Array =
        format === 'csv' ? devicesToCsv(devices, { bom: values.bom === true }) : format === 'json' ? devicesToJson(devices) : format === 'jsonl' ? devicesToJsonLines(devices) : devicesToXlsx(devices);
      if (values.out !== undefined) {
        writeFileSync(values.out, content);
        process.stderr.write(`camaudit: ${devices.length} devices written to ${values.out}\n`);
      } else {
        process.stdout.write(content);
      }
      return 0;
    } finally {
      inventory.close();
    }
  },
});
