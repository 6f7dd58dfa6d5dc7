import { createRootLogger } from '../../log.js';
import { defineCommand } from '../command.js';
import { DEVICE_FILTER_OPTIONS, filterOfOptions } from '../filter-options.js';
import { DB_OPTION, openDefaultInventory } from '../inventory.js';
import { printDevices } from '../print-devices.js';

export const devicesCommand = defineCommand({
  name: 'devices',
  summary: "Lists the inventory's devices (all scans), filtered.",
  options: {
    ...DEVICE_FILTER_OPTIONS,
    json: { type: 'boolean', description: 'print JSON instead of a table' },
    db: DB_OPTION,
  },
  async run({ values }) {
    const inventory = await openDefaultInventory(values.db, createRootLogger(), { mustExist: true });
    try {
      printDevices((await inventory.listAllDevices(filterOfOptions(values))), values.json ? 'json' : 'table');
      return 0;
    } finally {
      await inventory.close();
    }
  },
});
