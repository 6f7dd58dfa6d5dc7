import { writeFileSync } from 'node:fs';
import { devicesToCsv, devicesToJson, devicesToJsonLines, devicesToXlsx } from '../../export/index.js';
import { CamauditError } from '../../errors.js';
import { createRootLogger } from '../../log.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { openDefaultInventory } from '../inventory.js';

const FORMATS = ['csv', 'json', 'jsonl', 'xlsx'] as const;

const USAGE = `camaudit export --format csv|json|jsonl|xlsx [--db FILE] [--out FILE] [--bom] [--covered]

Writes the inventory for replacement planning: site, location, IP, MAC, vendor, brand, model, firmware, serial,
covered and why, advisories, confidence, evidence summary, first and last seen, status. CSV cells that a
spreadsheet would run as a formula are neutralised; --bom adds a UTF-8 byte order mark for Excel.
xlsx needs --out (it is binary).`;

export const exportCommand: Command = {
  usage: USAGE,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      format: { type: 'string', default: 'csv' },
      db: { type: 'string' },
      out: { type: 'string' },
      bom: { type: 'boolean', default: false },
      covered: { type: 'boolean' },
    });
    const format = values.format as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', `--format must be one of ${FORMATS.join(', ')}`);
    if (format === 'xlsx' && values.out === undefined) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'xlsx is binary: give --out FILE');
    const inventory = openDefaultInventory(values.db, createRootLogger());
    try {
      const devices = inventory.listAllDevices(values.covered !== undefined ? { covered: values.covered } : {});
      const content: string | Uint8Array =
        format === 'csv' ? devicesToCsv(devices, { bom: values.bom }) : format === 'json' ? devicesToJson(devices) : format === 'jsonl' ? devicesToJsonLines(devices) : devicesToXlsx(devices);
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
};
