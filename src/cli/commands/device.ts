import { createRootLogger } from '../../log.js';
import { DEVICE_STATUSES, type DevicePatch } from '../../inventory/index.js';
import { CamauditError } from '../../errors.js';
import { defineCommand } from '../command.js';
import { DB_OPTION, openDefaultInventory } from '../inventory.js';

export const deviceCommand = defineCommand({
  name: 'device',
  operands: 'ID',
  summary: 'Shows one device with its evidence and history (JSON); with options, updates its replacement tracking first.',
  details: '--status exempt needs --reason.',
  options: {
    status: { type: 'choice', choices: DEVICE_STATUSES, description: 'replacement status' },
    reason: { type: 'string', value: 'TEXT', description: 'why the status was set (needed with exempt)' },
    site: { type: 'string', value: 'NAME', description: 'site the device belongs to' },
    location: { type: 'string', value: 'TEXT', description: 'where the device is mounted' },
    owner: { type: 'string', value: 'NAME', description: 'who is responsible for it' },
    notes: { type: 'string', value: 'TEXT', description: 'free text' },
    'clear-alert': { type: 'boolean', description: 'clear the seen-again alert' },
    db: DB_OPTION,
  },
  async run({ values, operands }) {
    const id = operands[0];
    if (id === undefined) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'camaudit device needs a device id (see camaudit devices --json)');
    const inventory = await openDefaultInventory(values.db, createRootLogger(), { mustExist: true });
    try {
      const patch: DevicePatch = {};
      if (values.status !== undefined) patch.status = values.status;
      if (values.reason !== undefined) patch.statusReason = values.reason;
      if (values.site !== undefined) patch.site = values.site;
      if (values.location !== undefined) patch.location = values.location;
      if (values.owner !== undefined) patch.owner = values.owner;
      if (values.notes !== undefined) patch.notes = values.notes;
      if (values['clear-alert']) patch.clearAlert = true;
      if (Object.keys(patch).length > 0) await inventory.updateDevice(id, patch);
      const detail = await inventory.getDeviceDetail(id);
      if (!detail) throw new CamauditError('CAMAUDIT_ERR_NOT_FOUND', `no device ${id}`);
      process.stdout.write(`${JSON.stringify(detail, null, 2)}\n`);
      return 0;
    } finally {
      await inventory.close();
    }
  },
});
