import { afterEach, describe, expect, it } from 'vitest';
import { groupObservations, keysOfObservation } from '../../src/inventory/index.js';
import type { ObservationInput } from '../../src/observation.js';
import { http, neighbour, observation, onvif, sadp, scanWith, storeKinds, tempInventory, wsd, type TempInventory } from './inventory-helpers.js';

const dhip = (ip: string, mac: string, serial: string): ObservationInput => ({ source: 'dhip', ip, dhip: { mac, SerialNo: serial, DeviceType: 'IPC-HDW' } });
const upnp = (ip: string, serial: string): ObservationInput => ({ source: 'ssdp', ip, ssdp: { headers: {}, description: { serialNumber: serial, modelName: 'M' } } });

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

  it('does not join different addresses on an uncorroborated claim of a serial or an endpoint', async () => {
    const groups = groupObservations([
      observation(sadp('10.0.0.7', 'aa:bb:cc:00:00:07', 'SERIAL0007', 'DS-7')),
      observation(onvif('10.0.0.8', 'serial0007', 'DS-7')),
      observation(wsd('10.0.0.8', 'urn:uuid:1234')),
      observation(wsd('10.0.0.9', 'URN:UUID:1234')),
    ]);
    expect(groups).toHaveLength(3);
  });

  it('joins different addresses when each makes the claim over two channels and the neighbour table agrees', async () => {
    const groups = groupObservations([
      observation(sadp('192.0.0.64', 'aa:bb:cc:00:00:07', 'SERIAL0007', 'DS-7')),
      observation(upnp('192.0.0.64', 'SERIAL0007')),
      observation(onvif('10.0.0.8', 'serial0007', 'DS-7')),
      observation(upnp('10.0.0.8', 'SERIAL0007')),
    ]);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.keys.serial).toEqual(['SERIAL0007']);
  });

  it("a host claiming another device's MAC and serials over four channels stays apart from it (neighbour MACs differ)", async () => {
    const victimMac = 'aa:bb:cc:00:00:0a';
    const groups = groupObservations([
      observation(neighbour('10.0.0.10', victimMac)),
      observation(sadp('10.0.0.10', victimMac, 'SERIAL-A', 'DS-A')),
      observation(onvif('10.0.0.11', 'SERIAL-B', 'DS-B')),
      observation(upnp('10.0.0.11', 'SERIAL-B')),
      observation(neighbour('10.0.0.11', 'aa:bb:cc:00:00:0b')),
      observation(neighbour('10.0.0.66', 'aa:bb:cc:00:00:66')),
      observation(sadp('10.0.0.66', victimMac, 'SERIAL-B', 'DS-X')),
      observation(dhip('10.0.0.66', victimMac, 'SERIAL-B')),
      observation(onvif('10.0.0.66', 'SERIAL-B', 'DS-X')),
      observation(upnp('10.0.0.66', 'SERIAL-B')),
    ]);
    for (const group of groups) expect(new Set(group.observations.map((entry) => entry.ip)).size).toBe(1);
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

// Each case also with every scan merged in parts of one observation (merge-parts.ts), which must change nothing.
const storesAndParts = storeKinds('inventory-merge').flatMap((kind) => [[kind, 'whole', undefined], [kind, 'in parts', 1]] as const);

describe.each(storesAndParts)('devices across scans (%s store, merged %s)', (kind, _merged, parts) => {
  const options = parts === undefined ? {} : { mergePartObservations: parts };
  let temp: TempInventory;
  afterEach(async () => temp.cleanup());

  it('a device that changes IP is one device, with both addresses and an address change in its history', async () => {
    temp = await tempInventory(kind, 'camaudit-inventory-', options);
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

  it('follows a device to a new address by its serial when two channels say it (ONVIF and UPnP after SADP)', async () => {
    temp = await tempInventory(kind, 'camaudit-inventory-', options);
    const { inventory } = temp;
    const first = await scanWith(inventory, [observation(sadp('10.0.0.7', 'aa:bb:cc:00:00:07', 'DS-2CD2042WD-I20160112AAWR123456789', 'DS-2CD2042WD-I'))]);
    const second = await scanWith(inventory, [
      observation(onvif('10.0.1.7', 'DS-2CD2042WD-I20160112AAWR123456789', 'DS-2CD2042WD-I')),
      observation(upnp('10.0.1.7', 'DS-2CD2042WD-I20160112AAWR123456789')),
    ]);
    expect(second.deviceIds).toEqual(first.deviceIds);
    const device = (await inventory.getDevice(first.deviceIds[0]!))!;
    expect(device.serial).toBe('DS-2CD2042WD-I20160112AAWR123456789');
    expect(device.sources.sort()).toEqual(['onvif', 'sadp', 'ssdp']);
    expect(device.ip).toBe('10.0.1.7');
  });

  it('one channel claiming a known serial at another address is not the device: a new record, and an alert on both', async () => {
    temp = await tempInventory(kind, 'camaudit-inventory-', options);
    const { inventory } = temp;
    const first = await scanWith(inventory, [observation(sadp('10.0.0.7', 'aa:bb:cc:00:00:07', 'SERIAL-ONE-CHANNEL', 'DS-2CD2042WD-I'))]);
    const second = await scanWith(inventory, [observation(onvif('10.0.1.7', 'SERIAL-ONE-CHANNEL', 'DS-2CD2042WD-I'))]);
    expect(second.deviceIds).not.toEqual(first.deviceIds);
    const original = (await inventory.getDevice(first.deviceIds[0]!))!;
    expect(original.ip).toBe('10.0.0.7');
    expect(original.alert).toMatch(/10\.0\.1\.7 claimed this device's serial SERIAL-ONE-CHANNEL without corroboration/);
    const claimant = (await inventory.getDevice(second.deviceIds[0]!))!;
    expect(claimant.alert).toMatch(/claimed the serial SERIAL-ONE-CHANNEL of device/);
    expect(claimant.serial).toBeNull();
    expect(second.alertDeviceIds).toEqual(second.deviceIds);
    expect((await inventory.getDeviceDetail(original.id))!.history.some((entry) => entry.kind === 'conflict')).toBe(true);
  });

  it('matches by WS-Discovery endpoint UUID at the same address when there is no MAC or serial', async () => {
    temp = await tempInventory(kind, 'camaudit-inventory-', options);
    const { inventory } = temp;
    const first = await scanWith(inventory, [observation(wsd('10.0.0.20', 'urn:uuid:abcd-0001'))]);
    const second = await scanWith(inventory, [observation(wsd('10.0.0.20', 'urn:uuid:abcd-0001'))]);
    const other = await scanWith(inventory, [observation(wsd('10.0.0.21', 'urn:uuid:abcd-0002'))]);
    expect(second.deviceIds).toEqual(first.deviceIds);
    expect(other.deviceIds).not.toEqual(first.deviceIds);
  });

  it('falls back to the address, but not onto a device whose MAC says it is another', async () => {
    temp = await tempInventory(kind, 'camaudit-inventory-', options);
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
    temp = await tempInventory(kind, 'camaudit-inventory-', options);
    const { inventory } = temp;
    const first = await scanWith(inventory, [observation(http('10.0.0.40', 'a')), observation(neighbour('10.0.0.40', 'aa:bb:cc:00:00:40'))]);
    // The device moved to .41 (MAC known) and something without a MAC now answers on .40.
    const second = await scanWith(inventory, [observation(http('10.0.0.41', 'a')), observation(neighbour('10.0.0.41', 'aa:bb:cc:00:00:40')), observation(http('10.0.0.40', 'b'))]);
    expect(second.deviceIds).toHaveLength(2);
    expect(second.newDeviceIds).toHaveLength(1);
    expect((await inventory.getDevice(first.deviceIds[0]!))!.ip).toBe('10.0.0.41');
  });

  it('two unedited devices that turn out to be one (corroborated) are merged', async () => {
    temp = await tempInventory(kind, 'camaudit-inventory-', options);
    const { inventory } = temp;
    const bySerial = await scanWith(inventory, [observation(onvif('10.0.0.50', 'SERIAL-MERGE-1', 'M'))]);
    const byMac = await scanWith(inventory, [observation(http('10.0.0.51', 'b')), observation(neighbour('10.0.0.51', 'aa:bb:cc:00:00:51'))]);
    expect(byMac.deviceIds).not.toEqual(bySerial.deviceIds);
    // At .52 the kernel sees the MAC, and SADP and DHIP both give the serial.
    const both = await scanWith(inventory, [observation(neighbour('10.0.0.52', 'aa:bb:cc:00:00:51')), observation(sadp('10.0.0.52', 'aa:bb:cc:00:00:51', 'SERIAL-MERGE-1', 'M')), observation(dhip('10.0.0.52', 'aa:bb:cc:00:00:51', 'SERIAL-MERGE-1'))]);
    expect(both.deviceIds).toHaveLength(1);
    expect((await inventory.listDevices()).total).toBe(1);
    const device = (await inventory.getDevice(both.deviceIds[0]!))!;
    expect(device.addresses.sort()).toEqual(['10.0.0.50', '10.0.0.51', '10.0.0.52']);
    expect(device.scanIds).toHaveLength(3);
    expect((await inventory.getDeviceDetail(device.id))!.history.some((entry) => entry.kind === 'merged')).toBe(true);
  });

  it('a record the operator edited is never merged automatically: the conflict is recorded and alerted', async () => {
    temp = await tempInventory(kind, 'camaudit-inventory-', options);
    const { inventory } = temp;
    const bySerial = await scanWith(inventory, [observation(onvif('10.0.0.50', 'SERIAL-MERGE-1', 'M'))]);
    const byMac = await scanWith(inventory, [observation(http('10.0.0.51', 'b')), observation(neighbour('10.0.0.51', 'aa:bb:cc:00:00:51'))]);
    await inventory.updateDevice(bySerial.deviceIds[0]!, { location: 'lobby', status: 'planned' });
    await scanWith(inventory, [observation(neighbour('10.0.0.52', 'aa:bb:cc:00:00:51')), observation(sadp('10.0.0.52', 'aa:bb:cc:00:00:51', 'SERIAL-MERGE-1', 'M')), observation(dhip('10.0.0.52', 'aa:bb:cc:00:00:51', 'SERIAL-MERGE-1'))]);
    expect((await inventory.listDevices()).total).toBe(2);
    const edited = (await inventory.getDevice(bySerial.deviceIds[0]!))!;
    expect(edited).toMatchObject({ location: 'lobby', status: 'planned' });
    expect(edited.alert).toMatch(/not merged because an operator edited one of them/);
    expect((await inventory.getDevice(byMac.deviceIds[0]!))!.alert).toMatch(/not merged/);
    expect((await inventory.listDevices({ alert: true })).total).toBe(2);
  });

  it("a host claiming another device's MAC and two others' serials over SADP, DHIP, ONVIF and UPnP rewrites nothing", async () => {
    temp = await tempInventory(kind, 'camaudit-inventory-', options);
    const { inventory } = temp;
    const a = { ip: '10.0.0.10', mac: 'aa:bb:cc:00:00:0a', serial: 'SERIAL-AAAA' };
    const b = { ip: '10.0.0.11', mac: 'aa:bb:cc:00:00:0b', serial: 'SERIAL-BBBB' };
    const c = { ip: '10.0.0.12', mac: 'aa:bb:cc:00:00:0c', serial: 'SERIAL-CCCC' };
    const honest = () => [a, b, c].flatMap((device) => [observation(neighbour(device.ip, device.mac)), observation(sadp(device.ip, device.mac, device.serial, 'DS-2CD')), observation(onvif(device.ip, device.serial, 'DS-2CD'))]);
    const first = await scanWith(inventory, honest());
    expect(first.deviceIds).toHaveLength(3);
    const ipOf = new Map<string, string>();
    for (const id of first.deviceIds) ipOf.set((await inventory.getDevice(id))!.ip, id);
    const idOf = (ip: string): string => ipOf.get(ip)!;
    await inventory.updateDevice(idOf(a.ip), { owner: 'facilities', location: 'gate' });
    await inventory.updateDevice(idOf(b.ip), { owner: 'security', location: 'lobby' });
    const liar = '10.0.0.66';
    const claims = [
      observation(neighbour(liar, 'aa:bb:cc:00:00:66')),
      observation(sadp(liar, a.mac, b.serial, 'DS-2CD')),
      observation(dhip(liar, a.mac, c.serial)),
      observation(onvif(liar, b.serial, 'DS-2CD')),
      observation(upnp(liar, c.serial)),
    ];
    const second = await scanWith(inventory, [...honest(), ...claims]);
    // The three records stay three; whatever the liar is gets records of its own, at its own address.
    const others = (await inventory.listAllDevices()).filter((device) => !first.deviceIds.includes(device.id));
    expect(others.length).toBeGreaterThan(0);
    for (const device of others) expect(device.ip).toBe(liar);
    expect(await inventory.getDevice(idOf(a.ip))).toMatchObject({ ip: a.ip, mac: a.mac, serial: a.serial, owner: 'facilities', location: 'gate' });
    expect(await inventory.getDevice(idOf(b.ip))).toMatchObject({ ip: b.ip, mac: b.mac, serial: b.serial, owner: 'security', location: 'lobby' });
    expect(await inventory.getDevice(idOf(c.ip))).toMatchObject({ ip: c.ip, mac: c.mac, serial: c.serial });
    const liarDevices = others.filter((device) => second.deviceIds.includes(device.id));
    expect(liarDevices.some((device) => /claimed/.test(device.alert ?? ''))).toBe(true);
    for (const device of [a, b, c]) expect((await inventory.getDevice(idOf(device.ip)))!.alert).toMatch(new RegExp(`${liar.replace(/\./g, '\\.')} claimed this device's`));
  });

  it('in one scan, the device that really holds a MAC and serial keeps them, whichever replied first', async () => {
    temp = await tempInventory(kind, 'camaudit-inventory-', options);
    const { inventory } = temp;
    const realMac = 'aa:bb:cc:00:00:10';
    const first = await scanWith(inventory, [observation(sadp('10.0.0.10', realMac, 'SERIAL-REAL-10', 'DS-2CD')), observation(neighbour('10.0.0.10', realMac))]);
    const scan = await scanWith(inventory, [
      // The liar's replies come first.
      observation(sadp('10.0.0.66', realMac, 'SERIAL-REAL-10', 'DS-2CD')),
      observation(neighbour('10.0.0.66', 'aa:bb:cc:00:00:66')),
      observation(sadp('10.0.0.10', realMac, 'SERIAL-REAL-10', 'DS-2CD')),
      observation(onvif('10.0.0.10', 'SERIAL-REAL-10', 'DS-2CD')),
      observation(neighbour('10.0.0.10', realMac)),
    ]);
    const devices = [];
    for (const id of scan.deviceIds) devices.push((await inventory.getDevice(id))!);
    const real = devices.find((device) => device.ip === '10.0.0.10')!;
    expect(real.id).toBe(first.deviceIds[0]);
    expect(real).toMatchObject({ mac: realMac, serial: 'SERIAL-REAL-10', addresses: ['10.0.0.10'] });
    expect(real.alert).toMatch(/10\.0\.0\.66 claimed this device's (mac aa:bb:cc:00:00:10 and )?serial SERIAL-REAL-10/);
    for (const device of devices.filter((entry) => entry.id !== real.id)) {
      expect(device.ip).toBe('10.0.0.66');
      expect(device.mac).not.toBe(realMac);
    }
  });

  it('the same observation in a second scan is a sighting, not a copy', async () => {
    temp = await tempInventory(kind, 'camaudit-inventory-', options);
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
