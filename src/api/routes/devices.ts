import type { FastifyInstance } from 'fastify';
import { CamauditError } from '../../errors.js';
import type { DeviceStatus } from '../../model.js';
import type { DeviceFilter, DevicePatch, Inventory } from '../../inventory/index.js';
import { checkedPage } from '../page.js';
import { getDeviceSchema, listDevicesSchema, patchDeviceSchema } from '../schemas.js';

export interface DeviceFilterQuery {
  vendor?: string;
  brand?: string;
  covered?: boolean;
  status?: DeviceStatus;
  site?: string;
  seenSince?: string;
  q?: string;
  alert?: boolean;
}

export function filterOf(query: DeviceFilterQuery): DeviceFilter {
  const filter: DeviceFilter = {};
  if (query.vendor !== undefined) filter.vendor = query.vendor;
  if (query.brand !== undefined) filter.brand = query.brand;
  if (query.covered !== undefined) filter.covered = query.covered;
  if (query.status !== undefined) filter.status = query.status;
  if (query.site !== undefined) filter.site = query.site;
  if (query.seenSince !== undefined) filter.seenSince = query.seenSince;
  if (query.q !== undefined) filter.text = query.q;
  if (query.alert !== undefined) filter.alert = query.alert;
  return filter;
}

export function registerDeviceRoutes(app: FastifyInstance, inventory: Inventory): void {
  app.get<{ Querystring: DeviceFilterQuery & { limit: number; offset: number } }>('/devices', { schema: listDevicesSchema }, async (request) =>
    inventory.listDevices(filterOf(request.query), checkedPage(request.query)),
  );

  app.get<{ Params: { id: string } }>('/devices/:id', { schema: getDeviceSchema }, async (request) => {
    const detail = inventory.getDeviceDetail(request.params.id);
    if (!detail) throw new CamauditError('CAMAUDIT_ERR_NOT_FOUND', `no device with id ${request.params.id}`);
    return detail;
  });

  app.patch<{ Params: { id: string }; Body: DevicePatch }>('/devices/:id', { schema: patchDeviceSchema }, async (request) => {
    const device = inventory.updateDevice(request.params.id, request.body);
    request.log.info({ deviceId: device.id, fields: Object.keys(request.body) }, 'device updated');
    return device;
  });
}
