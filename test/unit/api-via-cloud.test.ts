// The via and cloud filters over HTTP, on an inventory identified by the real matcher.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InventoryDevice } from '../../src/inventory/index.js';
import { identify } from '../../src/match/index.js';
import { startApi, type RunningApi } from './api-helpers.js';
import { observation, scanWith, tempInventory } from './inventory-helpers.js';

let api: RunningApi;
let nvrId: string;

beforeAll(async () => {
  const temp = await tempInventory('sqlite', 'camaudit-api-via-', { identify: (observations) => identify(observations) });
  const { inventory } = temp;
  await scanWith(inventory, [
    observation({ source: 'sadp', ip: '10.0.0.11', mac: '44:a6:42:00:00:11', sadp: { MAC: '44-a6-42-00-00-11', DeviceDescription: 'DS-7608NI-K2', DeviceSN: 'DS-7608NI-K20820190315CCRRD00000011', SupportHCPlatform: 'true', HCPlatformEnable: 'flase' } }),
    observation({ source: 'isapi', ip: '192.168.254.2', isapi: { channel: { id: '1', proxyProtocol: 'HIKVISION', deviceTypeName: 'DS-2CD2143G2-I', serialNumber: 'DS-2CD2143G2-I20240101AAWRG0000001' } }, via: { ip: '10.0.0.11', port: 80, channel: 1 } }),
    observation({ source: 'dahuacgi', ip: '10.0.0.32', dahuacgi: { magicBox: { type: 'DHI-NVR4108HS-8P-4KS2', sn: '7J0A1B2PAZ00032' }, t2uServer: { Enable: 'true' } } }),
  ]);
  nvrId = (await inventory.listAllDevices()).find((device) => device.ip === '10.0.0.11')!.id;
  api = await startApi({}, temp);
});

afterAll(async () => {
  await api?.close();
});

describe('GET /devices with via and cloud', () => {
  it('lists the cameras behind one NVR, with via in the device', async () => {
    const { status, body } = await api.json<{ items: InventoryDevice[] }>(`/devices?via=${nvrId}`);
    expect(status).toBe(200);
    expect(body.items.map((device) => [device.ip, device.via, device.identification.vendor, device.identification.model])).toEqual([
      ['192.168.254.2', { deviceId: nvrId, ip: '10.0.0.11', channel: 1 }, 'Hikvision', 'DS-2CD2143G2-I'],
    ]);
  });

  it('filters on the cloud flag, says why, and refuses an unknown value', async () => {
    const disabled = await api.json<{ items: InventoryDevice[] }>('/devices?cloud=disabled');
    expect(disabled.body.items.map((device) => device.ip)).toEqual(['10.0.0.11']);
    expect(disabled.body.items[0]!.identification.cloud?.evidence[0]).toMatchObject({ field: 'sadp.HCPlatformEnable', value: 'flase', says: 'disabled' });
    const enabled = await api.json<{ items: InventoryDevice[] }>('/devices?cloud=enabled');
    expect(enabled.body.items.map((device) => device.ip)).toEqual(['10.0.0.32']);
    const unknown = await api.json<{ items: InventoryDevice[] }>('/devices?cloud=unknown');
    expect(unknown.body.items.map((device) => device.ip)).toEqual(['192.168.254.2']);
    expect((await api.json('/devices?cloud=maybe')).status).toBe(400);
    const exported = await api.json<InventoryDevice[]>('/export.json?cloud=enabled');
    expect(exported.body.map((device) => device.cloud)).toEqual(['enabled']);
  });
});
