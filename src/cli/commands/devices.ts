import { createRootLogger } from '../../log.js';
import { DEVICE_STATUSES, type DeviceFilter } from '../../inventory/index.js';
import type { DeviceStatus } from '../../model.js';
import { CamauditError } from '../../errors.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { openDefaultInventory } from '../inventory.js';
import { printDevices } from '../print-devices.js';

const USAGE = `camaudit devices [--db FILE] [--json] [--covered] [--vendor NAME] [--brand NAME] [--status S] [--site S] [--search TEXT] [--alerts]

Lists the inventory's devices (all scans).`;

export function statusArg(raw: string | undefined): DeviceStatus | undefined {
  if (raw === undefined) return undefined;
  if (!(DEVICE_STATUSES as readonly string[]).includes(raw)) {
    throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', `--status must be one of ${DEVICE_STATUSES.join(', ')}`);
  }
  return raw as DeviceStatus;
}

export const devicesCommand: Command = {
  usage: USAGE,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      db: { type: 'string' },
      json: { type: 'boolean', default: false },
      covered: { type: 'boolean' },
      vendor: { type: 'string' },
      brand: { type: 'string' },
      status: { type: 'string' },
      site: { type: 'string' },
      search: { type: 'string' },
      alerts: { type: 'boolean' },
    });
    const inventory = openDefaultInventory(values.db, createRootLogger());
    try {
      const filter: DeviceFilter = {};
      if (values.covered !== undefined) filter.covered = values.covered;
      if (values.vendor !== undefined) filter.vendor = values.vendor;
      if (values.brand !== undefined) filter.brand = values.brand;
      const status = statusArg(values.status);
      if (status !== undefined) filter.status = status;
      if (values.site !== undefined) filter.site = values.site;
      if (values.search !== undefined) filter.text = values.search;
      if (values.alerts !== undefined) filter.alert = values.alerts;
      printDevices(inventory.listAllDevices(filter), values.json ? 'json' : 'table');
      return 0;
    } finally {
      inventory.close();
    }
  },
};
