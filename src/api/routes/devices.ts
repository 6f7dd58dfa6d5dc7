import type { FastifyInstance } from 'fastify';
import { CamauditError } from '../../errors.js';
import { pickDeviceFilter, type DeviceFilter, type DevicePatch, type DeviceSortKey, type Inventory } from '../../inventory/index.js';
import { checkedPage } from '../page.js';
import { getDeviceSchema, listDevicesSchema, patchDeviceSchema } from '../schemas.js';

/** The query string of the filtered routes: the filter's fields, and `q`, the older name of `search`. */
export type DeviceFilterQuery = DeviceFilter & { q?: string };

export interface DeviceSortQuery {
  sort?: DeviceSortKey;
  order?: 'asc' | 'desc';
}

export function filterOf(query: DeviceFilterQuery): DeviceFilter {
  const filter = pickDeviceFilter(query);
  if (filter.search === undefined && query.q !== undefined) filter.search = query.q;
  return filter;
}

export function registerDeviceRoutes(app: FastifyInstance, inventory: Inventory): void {
  app.get<{ Querystring: DeviceFilterQuery & DeviceSortQuery & { limit: number; offset: number } }>('/devices', { schema: listDevicesSchema }, async (request) => {
    const { sort, order } = request.query;
    return inventory.listDevices(filterOf(request.query), checkedPage(request.query), sort === undefined ? undefined : { key: sort, descending: order === 'desc' });
  });

  app.get<{ Params: { id: string } }>('/devices/:id', { schema: getDeviceSchema }, async (request) => {
    const detail = await inventory.getDeviceDetail(request.params.id);
    if (!detail) throw new CamauditError('CAMAUDIT_ERR_NOT_FOUND', `no device with id ${request.params.id}`);
    return detail;
  });

  app.patch<{ Params: { id: string }; Body: DevicePatch }>('/devices/:id', { schema: patchDeviceSchema }, async (request) => {
    const device = await inventory.updateDevice(request.params.id, request.body);
    request.log.info({ deviceId: device.id, fields: Object.keys(request.body) }, 'device updated');
    return device;
  });
}
