import { createRootLogger } from '../../log.js';
import type { DevicePatch } from '../../inventory/index.js';
import { CamauditError } from '../../errors.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { openDefaultInventory } from '../inventory.js';
import { statusArg } from './devices.js';

const USAGE = `camaudit device ID [--status found|planned|replaced|removed|exempt] [--reason TEXT] [--site S] [--location L]
                   [--owner O] [--notes N] [--clear-alert] [--db FILE]

Shows one device with its evidence and history (JSON); with options, updates its replacement tracking fields first.
--status exempt needs --reason.`;

export const deviceCommand: Command = {
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      db: { type: 'string' },
      status: { type: 'string' },
      reason: { type: 'string' },
      site: { type: 'string' },
      location: { type: 'string' },
      owner: { type: 'string' },
      notes: { type: 'string' },
      'clear-alert': { type: 'boolean' },
    });
    const id = positionals[0];
    if (id === undefined) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'camaudit device needs a device id (see camaudit devices --json)');
    const inventory = openDefaultInventory(values.db, createRootLogger());
    try {
      const patch: DevicePatch = {};
      const status = statusArg(values.status);
      if (status !== undefined) patch.status = status;
      if (values.reason !== undefined) patch.statusReason = values.reason;
      if (values.site !== undefined) patch.site = values.site;
      if (values.location !== undefined) patch.location = values.location;
      if (values.owner !== undefined) patch.owner = values.owner;
      if (values.notes !== undefined) patch.notes = values.notes;
      if (values['clear-alert']) patch.clearAlert = true;
      if (Object.keys(patch).length > 0) inventory.updateDevice(id, patch);
      const detail = inventory.getDeviceDetail(id);
      if (!detail) throw new CamauditError('CAMAUDIT_ERR_NOT_FOUND', `no device ${id}`);
      process.stdout.write(`${JSON.stringify(detail, null, 2)}\n`);
      return 0;
    } finally {
      inventory.close();
    }
  },
};
