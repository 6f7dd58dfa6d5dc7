// Cameras behind an NVR in the inventory: their place is the NVR and channel, not their internal address; the NVR
// is named by its device id; a camera later seen on the LAN merges by serial and loses its `via`.
import { afterEach, describe, expect, it } from 'vitest';
import type { ObservationInput } from '../../src/observation.js';
import { groupObservations } from '../../src/inventory/index.js';
import { observation, onvif, sadp, scanWith, tempInventory, type TempInventory } from './inventory-helpers.js';

const behind = (nvr: string, channel: number, ip: string, serial?: string): ObservationInput => ({
  source: 'isapi',
  ip,
  isapi: { channel: { id: String(channel), ipAddress: ip, deviceTypeName: 'DS-2CD2143G2-I', ...(serial === undefined ? {} : { serialNumber: serial }) } },
  via: { ip: nvr, port: 80, channel },
});

let temp: TempInventory | undefined;
afterEach(async () => temp?.cleanup());

describe('cameras behind an NVR', () => {
  it('keeps cameras of two NVRs at the same internal address apart, and apart from a LAN device there', () => {
    const groups = groupObservations([
      observation(behind('10.0.0.11', 1, '192.168.254.2')),
      observation(behind('10.0.0.12', 1, '192.168.254.2')),
      observation({ source: 'http', ip: '192.168.254.2', port: 80, http: { headers: {} } }),
    ]);
    expect(groups).toHaveLength(3);
  });

  it('names the NVR by its device id, filters by it, and finds a camera without serial again by NVR and channel', async () => {
    temp = await tempInventory();
    const { inventory } = temp;
    await scanWith(inventory, [observation(sadp('10.0.0.11', 'aa:bb:cc:00:00:11', 'NVRSERIAL11', 'DS-7608NI-K2')), observation(behind('10.0.0.11', 1, '192.168.254.2')), observation(behind('10.0.0.11', 2, '192.168.254.3'))]);
    const nvr = (await inventory.listAllDevices()).find((device) => device.ip === '10.0.0.11')!;
    const cameras = await inventory.listAllDevices({ via: nvr.id });
    expect(cameras.map((device) => [device.ip, device.via?.channel, device.via?.deviceId, device.via?.ip]).sort()).toEqual([
      ['192.168.254.2', 1, nvr.id, '10.0.0.11'],
      ['192.168.254.3', 2, nvr.id, '10.0.0.11'],
    ]);
    expect(nvr.via).toBeNull();
    // The next scan: the same channels, nothing but NVR and channel to say which camera is which.
    await scanWith(inventory, [observation(sadp('10.0.0.11', 'aa:bb:cc:00:00:11', 'NVRSERIAL11', 'DS-7608NI-K2')), observation(behind('10.0.0.11', 1, '192.168.254.2'))]);
    expect((await inventory.listAllDevices())).toHaveLength(3);
    // A LAN device at a camera's internal address is not taken for it.
    await scanWith(inventory, [observation({ source: 'http', ip: '192.168.254.2', port: 80, http: { headers: {}, title: 'router' } })]);
    expect((await inventory.listAllDevices())).toHaveLength(4);
  });

  it('merges a camera later seen on the LAN by its serial, and drops its via', async () => {
    temp = await tempInventory();
    const { inventory } = temp;
    await scanWith(inventory, [observation(sadp('10.0.0.11', 'aa:bb:cc:00:00:11', 'NVRSERIAL11', 'DS-7608NI-K2')), observation(behind('10.0.0.11', 1, '192.168.254.2', 'DS-2CD2143G2-I20240101AAWRG0000001'))]);
    const before = (await inventory.listAllDevices()).find((device) => device.via !== null)!;
    // A serial claimed at another address is trusted when two channels say it (issue 14 point 4): SADP and ONVIF.
    await scanWith(inventory, [
      observation(sadp('10.0.0.40', 'aa:bb:cc:00:00:40', 'DS-2CD2143G2-I20240101AAWRG0000001', 'DS-2CD2143G2-I')),
      observation(onvif('10.0.0.40', 'DS-2CD2143G2-I20240101AAWRG0000001', 'DS-2CD2143G2-I')),
    ]);
    const after = (await inventory.getDevice(before.id))!;
    expect(after.ip).toBe('10.0.0.40');
    expect(after.via).toBeNull();
    expect(after.addresses).toEqual(['192.168.254.2', '10.0.0.40']);
    expect((await inventory.listAllDevices())).toHaveLength(2);
  });
});
