import { afterEach, describe, expect, it } from 'vitest';
import { groupObservations, keysOfObservation } from '../../src/inventory/index.js';
import { http, neighbour, observation, onvif, sadp, scanWith, storeKinds, tempInventory, wsd, type TempInventory } from './inventory-helpers.js';

describe('groupObservations (one scan, pure)', () => {
  it('joins a banner and the neighbour entry of the same address, so the banner gets a MAC', async () => {
    const groups = groupObservations([observation(http('10.0.0.5', 'cam')), observation(neighbour('10.0.0.5', 'aa:bb:cc:00:00:05')), observation(http('10.0.0.6', 'other'))]);
    expect(groups).toHaveLength(2);
    const five = groups.find((group) => group.addresses[0] === '10.0.0.5')!;
    expect(five.keys.mac).toEqual(['aa:bb:cc:00:00:05']);
    expect(five.observations.map((entry) => entry.source).sort()).toEqual(['http', 'neighbour']);
  });

  it('keeps factory-default devices at the same address apart when their MACs differ', async () => {
    const groups = groupObservations([
      observation(sadp('192.0.0.64', 'aa:bb:cc:00:00:01', 'SERIAL0001', 'DS-A')),
      observation(sadp('192.0.0.64', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-B')),
    ]);
    expect(groups).toHaveLength(2);
  });

  it('joins observations of different addresses that share a serial or an endpoint', async () => {
    const groups = groupObservations([
      observation(sadp('10.0.0.7', 'aa:bb:cc:00:00:07', 'SERIAL0007', 'DS-7')),
      observation(onvif('10.0.0.8', 'serial0007', 'DS-7')),
      observation(wsd('10.0.0.8', 'urn:uuid:1234')),
      observation(wsd('10.0.0.9', 'URN:UUID:1234')),
    ]);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.keys.serial).toEqual(['SERIAL0007']);
    expect(groups[0]!.keys.endpoint).toEqual(['urn:uuid:1234']);
  });

  it('does not treat a MAC that answers for many addresses (proxy ARP) as a device key', async () => {
    const routerMac = 'aa:bb:cc:ff:ff:ff';
    const entries = [1, 2, 3, 4, 5].flatMap((host) => [observation(http(`10.0.0.${host}`, `cam ${host}`)), observation(neighbour(`10.0.0.${host}`, routerMac))]);
    const groups = groupObservations(entries);
    expect(groups).toHaveLength(5);
    for (const group of groups) expect(group.keys.mac).toEqual([]);
    // Two addresses for one MAC (a factory default and the real one) is still one device.
    expect(groupObservations([observation(sadp('192.0.0.64', 'aa:bb:cc:00:00:09', 'SERIAL0009', 'M')), observation(neighbour('10.0.0.9', 'aa:bb:cc:00:00:09'))])).toHaveLength(1);
  });

  it('ignores meaningless keys (all-zero MAC, multicast MAC, short serial)', async () => {
    const groups = groupObservations([
      observation({ source: 'neighbour', ip: '10.0.0.1', mac: '00:00:00:00:00:00' }),
      observation({ source: 'neighbour', ip: '10.0.0.2', mac: '00:00:00:00:00:00' }),
      observation({ source: 'neighbour', ip: '10.0.0.3', mac: '01:00:5e:00:00:fb' }),
      observation({ source: 'sadp', ip: '10.0.0.4', sadp: { DeviceSN: '0' } }),
      observation({ source: 'sadp', ip: '10.0.0.5', sadp: { DeviceSN: '0' } }),
    ]);
    expect(groups).toHaveLength(5);
    for (const group of groups) expect(group.keys.mac.length + group.keys.serial.length).toBe(0);
  });

  it('does not key on virtual router MACs (VRRP, HSRP), which every site using the same group shares', async () => {
    for (const mac of ['00:00:5e:00:01:01', '00:00:5e:00:02:0a', '00:00:0c:07:ac:01', '00:00:0c:9f:f0:01']) {
      expect(keysOfObservation(observation(neighbour('10.0.0.1', mac))).mac, mac).toEqual([]);
    }
    expect(keysOfObservation(observation(neighbour('10.0.0.1', '00:00:5e:00:53:01'))).mac).toEqual(['00:00:5e:00:53:01']);
  });
});

describe.each(storeKinds('inventory-merge'))('devices across scans (%s store)', (kind) => {
  let temp: TempInventory;
  afterEach(async () => temp.cleanup());

  it('a device that changes IP is one device, with both addresses and an address change in its history', async () => {
    temp = await tempInventory(kind);
    const { inventory } = temp;
    const first = await scanWith(inventory, [observation(http('10.0.0.5', 'cam')), observation(neighbour('10.0.0.5', 'aa:bb:cc:00:00:05'))]);
    const second = await scanWith(inventory, [observation(http('10.0.0.9', 'cam')), observation(neighbour('10.0.0.9', 'AA-BB-CC-00-00-05'))]);
    expect(first.deviceIds).toHaveLength(1);
    expect(second.deviceIds).toEqual(first.deviceIds);
    expect(second.newDeviceIds).toEqual([]);
    const detail = (await inventory.getDeviceDetail(first.deviceIds[0]!))!;
    expect(detail.device.ip).toBe('10.0.0.9');
    expect(detail.device.mac).toBe('aa:bb:cc:00:00:05');
    expect(detail.device.addresses).toEqual(['10.0.0.5', '10.0.0.9']);
    expect(detail.device.ports).toEqual([80]);
    expect(detail.device.scanIds).toEqual([first.scanId, second.scanId]);
    expect(detail.history.filter((entry) => entry.kind === 'address')).toMatchObject([{ oldValue: '10.0.0.5', newValue: '10.0.0.9', scanId: second.scanId }]);
    expect((await inventory.listDevices()).total).toBe(1);
  });

  it('merges by vendor serial when the MAC is not seen (ONVIF after SADP)', async () => {
    temp = await tempInventory(kind);
    const { inventory } = temp;
    const first = await scanWith(inventory, [observation(sadp('10.0.0.7', 'aa:bb:cc:00:00:07', 'DS-2CD2042WD-I20160112AAWR123456789', 'DS-2CD2042WD-I'))]);
    const second = await scanWith(inventory, [observation(onvif('10.0.1.7', 'DS-2CD2042WD-I20160112AAWR123456789', 'DS-2CD2042WD-I'))]);
    expect(second.deviceIds).toEqual(first.deviceIds);
    const device = (await inventory.getDevice(first.deviceIds[0]!))!;
    expect(device.serial).toBe('DS-2CD2042WD-I20160112AAWR123456789');
    expect(device.sources.sort()).toEqual(['onvif', 'sadp']);
    expect(device.ip).toBe('10.0.1.7');
  });

  it('merges by WS-Discovery endpoint UUID when there is no MAC or serial', async () => {
    temp = await tempInventory(kind);
    const { inventory } = temp;
    const first = await scanWith(inventory, [observation(wsd('10.0.0.20', 'urn:uuid:abcd-0001'))]);
    const second = await scanWith(inventory, [observation(wsd('10.0.0.21', 'urn:uuid:abcd-0001'))]);
    const other = await scanWith(inventory, [observation(wsd('10.0.0.21', 'urn:uuid:abcd-0002'))]);
    expect(second.deviceIds).toEqual(first.deviceIds);
    expect(other.deviceIds).not.toEqual(first.deviceIds);
  });

  it('falls back to the address, but not onto a device whose MAC says it is another', async () => {
    temp = await tempInventory(kind);
    const { inventory } = temp;
    const first = await scanWith(inventory, [observation(http('10.0.0.30', 'only a banner'))]);
    const second = await scanWith(inventory, [observation(http('10.0.0.30', 'only a banner, new title'))]);
    expect(second.deviceIds).toEqual(first.deviceIds);
    // The address learns a MAC: still the same device.
    const third = await scanWith(inventory, [observation(http('10.0.0.30', 'x')), observation(neighbour('10.0.0.30', 'aa:bb:cc:00:00:30'))]);
    expect(third.deviceIds).toEqual(first.deviceIds);
    // Another MAC at that address is another device.
    const fourth = await scanWith(inventory, [observation(http('10.0.0.30', 'x')), observation(neighbour('10.0.0.30', 'aa:bb:cc:00:00:31'))]);
    expect(fourth.deviceIds).not.toEqual(first.deviceIds);
    expect(fourth.newDeviceIds).toEqual(fourth.deviceIds);
    expect((await inventory.listDevices()).total).toBe(2);
  });

  it('an address-only sighting does not take a device that this scan already saw elsewhere by its MAC', async () => {
    temp = await tempInventory(kind);
    const { inventory } = temp;
    const first = await scanWith(inventory, [observation(http('10.0.0.40', 'a')), observation(neighbour('10.0.0.40', 'aa:bb:cc:00:00:40'))]);
    // The device moved to .41 (MAC known) and something without a MAC now answers on .40.
    const second = await scanWith(inventory, [observation(http('10.0.0.41', 'a')), observation(neighbour('10.0.0.41', 'aa:bb:cc:00:00:40')), observation(http('10.0.0.40', 'b'))]);
    expect(second.deviceIds).toHaveLength(2);
    expect(second.newDeviceIds).toHaveLength(1);
    expect((await inventory.getDevice(first.deviceIds[0]!))!.ip).toBe('10.0.0.41');
  });

  it('two devices that turn out to be one are merged, keeping the user fields', async () => {
    temp = await tempInventory(kind);
    const { inventory } = temp;
    const bySerial = await scanWith(inventory, [observation(onvif('10.0.0.50', 'SERIAL-MERGE-1', 'M'))]);
    const byMac = await scanWith(inventory, [observation(http('10.0.0.51', 'b')), observation(neighbour('10.0.0.51', 'aa:bb:cc:00:00:51'))]);
    expect(byMac.deviceIds).not.toEqual(bySerial.deviceIds);
    await inventory.updateDevice(bySerial.deviceIds[0]!, { location: 'lobby', status: 'planned' });
    const both = await scanWith(inventory, [observation(sadp('10.0.0.52', 'aa:bb:cc:00:00:51', 'SERIAL-MERGE-1', 'M'))]);
    expect(both.deviceIds).toHaveLength(1);
    expect((await inventory.listDevices()).total).toBe(1);
    const device = (await inventory.getDevice(both.deviceIds[0]!))!;
    expect(device.location).toBe('lobby');
    expect(device.status).toBe('planned');
    expect(device.addresses.sort()).toEqual(['10.0.0.50', '10.0.0.51', '10.0.0.52']);
    expect(device.scanIds).toHaveLength(3);
    expect((await inventory.getDeviceDetail(device.id))!.history.some((entry) => entry.kind === 'merged')).toBe(true);
  });

  it('the same observation in a second scan is a sighting, not a copy', async () => {
    temp = await tempInventory(kind);
    const { inventory } = temp;
    const seen = observation(http('10.0.0.60', 'same'));
    const first = await scanWith(inventory, [seen]);
    const second = await scanWith(inventory, [{ ...seen, observedAt: '2025-06-01T00:00:00.000Z' }]);
    expect(second.deviceIds).toEqual(first.deviceIds);
    const detail = (await inventory.getDeviceDetail(first.deviceIds[0]!))!;
    expect(detail.observations).toHaveLength(1);
    expect(detail.sightings.map((entry) => entry.scanId)).toEqual([first.scanId, second.scanId]);
    expect(detail.device.lastSeen).toBe('2025-06-01T00:00:00.000Z');
  });
});
