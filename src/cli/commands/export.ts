import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { devicesToXlsx, streamCsv, streamJson, streamJsonLines } from '../../export/index.js';
import type { InventoryDevice } from '../../inventory/index.js';
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
    const inventory = await openDefaultInventory(values.db, createRootLogger(), { mustExist: true });
    try {
      const filter = filterOfOptions(values);
      let count = 0;
      const counted = async function* (): AsyncGenerator<InventoryDevice> {
        for await (const device of inventory.streamDevices(filter)) {
          count += 1;
          yield device;
        }
      };
      // CSV, JSON and JSON Lines stream from the inventory a page at a time; xlsx is one zip built in memory.
      const chunks: AsyncIterable<string | Uint8Array> =
        format === 'csv'
          ? streamCsv(counted(), { bom: values.bom === true })
          : format === 'json'
            ? streamJson(counted())
            : format === 'jsonl'
              ? streamJsonLines(counted())
              : Readable.from([devicesToXlsx(await inventory.listAllDevices(filter))]);
      await pipeline(Readable.from(chunks), values.out !== undefined ? createWriteStream(values.out) : process.stdout, { end: values.out !== undefined });
      if (values.out !== undefined) process.stderr.write(`camaudit: ${format === 'xlsx' ? 'devices' : `${count} devices`} written to ${values.out}\n`);
      return 0;
    } finally {
      await inventory.close();
    }
  },
});
