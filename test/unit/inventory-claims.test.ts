// Claims against the address tables (issue 14, point 4): a neighbour-table or DHCP-lease MAC vouches only for the
// address where the table shows it, and a key claimed from one address for a device the tables place at another is
// refused however many channels repeat it. A device that moved, with nothing in the tables against it, still merges.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { INVENTORY_LIMITS } from '../../src/config.js';
import { groupObservations } from '../../src/inventory/index.js';
import type { ObservationInput } from '../../src/observation.js';
import { http, neighbour, observation, onvif, sadp, scanWith, storeKinds, tempInventory, type TempInventory } from './inventory-helpers.js';

const dhip = (ip: string, mac: string, serial: string): ObservationInput => ({ source: 'dhip', ip, mac, dhip: { mac, SerialNo: serial, DeviceType: 'DS-2CD' } });
const upnp = (ip: string, serial: string): ObservationInput => ({ source: 'ssdp', ip, ssdp: { headers: {}, description: { serialNumber: serial, modelName: 'M' } } });

const victim = { ip: '10.0.0.10', mac: 'aa:bb:cc:00:00:0a', serial: 'DS-2CD2385G1-I20200414AAWRE12345670' };
const spoofer = '10.0.0.209';

/** The victim as a scan sees it: the kernel's neighbour entry, its SADP reply and its ONVIF device information. */
const victimSeen = () => [observation(neighbour(victim.ip, victim.mac)), observation(sadp(victim.ip, victim.mac, victim.serial, 'DS-2CD')), observation(onvif(victim.ip, victim.serial, 'DS-2CD'))];
/** The spoofer claims the victim's MAC and serial over SADP and DHIP from its own address, with no neighbour entry. */
const spooferSeen = () => [observation(sadp(spoofer, victim.mac, victim.serial, 'DS-2CD')), observation(dhip(spoofer, victim.mac, victim.serial))];

describe('claims the address tables contradict (one scan, pure)', () => {
  it("keeps apart a host claiming, over two channels and with no neighbour entry, the MAC and serial the table places at another address", () => {
    for (const order of [[...victimSeen(), ...spooferSeen()], [...spooferSeen(), ...victimSeen()]]) {
      const groups = groupObservations(order);
      for (const group of groups) expect(new Set(group.observations.map((entry) => entry.ip)).size, JSON.stringify(group.addresses)).toBe(1);
    }
  });

  it("a host with a neighbour entry of its own that claims another's MAC is one device at its address, apart from the victim", () => {
    const groups = groupObservations([...victimSeen(), ...spooferSeen(), observation(neighbour(spoofer, 'b8:27:eb:00:02:09'))]);
    expect(groups.map((group) => group.addresses).sort()).toEqual([[victim.ip], [spoofer]]);
    // Apart at one address all the same: two factory-default devices with no table entry there.
    expect(groupObservations([observation(sadp('192.0.0.64', 'aa:bb:cc:00:00:01', 'SERIAL0001', 'A')), observation(sadp('192.0.0.64', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'B'))])).toHaveLength(2);
  });

  it('keeps two hosts posing as the same device apart from it and from each other', () => {
    const second = '10.0.0.214';
    const groups = groupObservations([...victimSeen(), ...spooferSeen(), observation(neighbour(spoofer, 'b8:27:eb:00:02:09')), observation(sadp(second, victim.mac, victim.serial, 'DS-2CD')), observation(dhip(second, victim.mac, victim.serial))]);
    expect(groups.map((group) => group.addresses).sort()).toEqual([[victim.ip], [spoofer], [second]]);
  });

  it('still joins a sender whose MAC the table shows only at another address when nothing there contests it (a factory-default address)', () => {
    const groups = groupObservations([observation(sadp('192.0.0.64', 'aa:bb:cc:00:00:09', 'SERIAL0009', 'M')), observation(dhip('192.0.0.64', 'aa:bb:cc:00:00:09', 'SERIAL0009')), observation(neighbour('10.0.0.9', 'aa:bb:cc:00:00:09'))]);
    expect(groups).toHaveLength(1);
  });

  it('still joins two addresses that both claim a MAC when the tables show it at both (one interface, two addresses)', () => {
    const mac = 'aa:bb:cc:00:00:0c';
    const groups = groupObservations([
      observation(neighbour('10.0.0.12', mac)),
      observation(sadp('10.0.0.12', mac, 'SERIAL0012', 'M')),
      observation(neighbour('10.0.0.13', mac)),
      observation(sadp('10.0.0.13', mac, 'SERIAL0012', 'M')),
    ]);
    expect(groups).toHaveLength(1);
  });
});

// Each case also with the scan merged in parts of one observation (merge-parts.ts): the victim's table entry and the
// claim then sit in different parts, and must refuse the claim all the same.
const storesAndParts = storeKinds('inventory-claims').flatMap((kind) => [[kind, 'whole', undefined], [kind, 'in parts', 1]] as const);

describe.each(storesAndParts)('claims against stored devices and the address tables (%s store, merged %s)', (kind, _merged, parts) => {
  const options = parts === undefined ? {} : { mergePartObservations: parts };
  let temp: TempInventory;
  afterEach(async () => temp.cleanup());

  it('logs the first refused claims one by one and counts the rest in one line, each recorded in its device all the same', async () => {
    const lines: { msg: string; conflicts?: number }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string; conflicts?: number }) });
    temp = await tempInventory(kind, 'camaudit-inventory-', { ...options, log });
    const { inventory } = temp;
    // 30 cameras at their own address and MAC, one cloned serial: every later one claims the first's serial.
    const cloned = Array.from({ length: 30 }, (_, index) => observation(sadp(`10.0.0.${index + 10}`, `44:47:cc:00:09:${(index + 16).toString(16)}`, 'DS-2CD2385G1-I20200414AAWRE33842150', 'DS-2CD2385G1-I')));
    const result = await scanWith(inventory, cloned);
    expect(result.deviceIds).toHaveLength(30);
    const oneByOne = lines.filter((line) => line.msg.startsWith('a claim about a device was not trusted'));
    const summary = lines.filter((line) => line.msg.startsWith('more claims were not trusted'));
    expect(oneByOne).toHaveLength(INVENTORY_LIMITS.conflictWarningsPerScan);
    expect(summary).toHaveLength(1);
    // Each refused claim alerts both sides: the claimant and the device whose serial it claimed.
    const recorded = (await Promise.all(result.deviceIds.map(async (id) => (await inventory.getDeviceDetail(id))!.history))).flat().filter((entry) => entry.kind === 'conflict');
    expect(oneByOne.length + summary[0]!.conflicts!).toBe(recorded.length);
    expect(recorded.length).toBeGreaterThan(INVENTORY_LIMITS.conflictWarningsPerScan);
  });

  it("a host with no neighbour entry claiming a present device's MAC and serial over SADP and DHIP gets a record of its own", async () => {
    temp = await tempInventory(kind, 'camaudit-inventory-', options);
    const { inventory } = temp;
    const first = await scanWith(inventory, victimSeen());
    const victimId = first.deviceIds[0]!;
    await inventory.updateDevice(victimId, { owner: 'facilities', location: 'gate' });
    const second = await scanWith(inventory, [...spooferSeen(), ...victimSeen()]);
    expect(second.deviceIds).toHaveLength(2);
    expect(await inventory.getDevice(victimId)).toMatchObject({ ip: victim.ip, addresses: [victim.ip], mac: victim.mac, serial: victim.serial, owner: 'facilities', location: 'gate' });
    const claimantId = second.deviceIds.find((id) => id !== victimId)!;
    const claimant = (await inventory.getDevice(claimantId))!;
    expect(claimant).toMatchObject({ ip: spoofer, addresses: [spoofer], serial: null });
    expect(claimant.mac).not.toBe(victim.mac);
    expect(claimant.alert).toMatch(/claimed the mac aa:bb:cc:00:00:0a and serial DS-2CD2385G1-I20200414AAWRE12345670 of device/);
    expect((await inventory.getDevice(victimId))!.alert).toMatch(/10\.0\.0\.209 claimed this device's mac aa:bb:cc:00:00:0a and serial/);
    expect((await inventory.getDeviceDetail(victimId))!.history.filter((entry) => entry.kind === 'conflict' && entry.scanId === second.scanId)).toHaveLength(1);
    expect([...second.alertDeviceIds].sort()).toEqual([victimId, claimantId].sort());
  });

  it('a claimant with a neighbour entry of its own gets one record, keyed by its own MAC', async () => {
    temp = await tempInventory(kind, 'camaudit-inventory-', options);
    const { inventory } = temp;
    const first = await scanWith(inventory, victimSeen());
    const second = await scanWith(inventory, [...spooferSeen(), observation(neighbour(spoofer, 'b8:27:eb:00:02:09')), ...victimSeen()]);
    expect(second.deviceIds).toHaveLength(2);
    const claimants = (await inventory.listAllDevices()).filter((device) => device.addresses.includes(spoofer));
    expect(claimants).toHaveLength(1);
    expect(claimants[0]).toMatchObject({ ip: spoofer, addresses: [spoofer], mac: 'b8:27:eb:00:02:09', serial: null });
    expect((await inventory.getDevice(first.deviceIds[0]!))!.alert).toMatch(/10\.0\.0\.209 claimed this device's mac aa:bb:cc:00:00:0a and serial/);
  });

  it("in a first scan, the device the table places at the MAC's address keeps its keys and the claimant's refusal is recorded", async () => {
    temp = await tempInventory(kind, 'camaudit-inventory-', options);
    const { inventory } = temp;
    const scan = await scanWith(inventory, [...spooferSeen(), ...victimSeen()]);
    expect(scan.deviceIds).toHaveLength(2);
    const devices = await Promise.all(scan.deviceIds.map(async (id) => (await inventory.getDevice(id))!));
    const real = devices.find((device) => device.ip === victim.ip)!;
    const claimant = devices.find((device) => device.ip === spoofer)!;
    expect(real).toMatchObject({ addresses: [victim.ip], mac: victim.mac, serial: victim.serial });
    expect(claimant).toMatchObject({ addresses: [spoofer], serial: null });
    expect(claimant.mac).not.toBe(victim.mac);
    expect(real.alert).toMatch(/10\.0\.0\.209 claimed this device's/);
  });

  it("a serial claimed over two channels from another address is refused while the tables show the device's last neighbour MAC elsewhere", async () => {
    temp = await tempInventory(kind, 'camaudit-inventory-', options);
    const { inventory } = temp;
    const first = await scanWith(inventory, victimSeen());
    const victimId = first.deviceIds[0]!;
    // The victim's interface still answers at its address (a banner and the kernel's entry); the claimant says only the serial.
    const second = await scanWith(inventory, [observation(neighbour(victim.ip, victim.mac)), observation(http(victim.ip, 'cam')), observation(onvif(spoofer, victim.serial, 'DS-2CD')), observation(upnp(spoofer, victim.serial))]);
    expect(second.deviceIds).toHaveLength(2);
    expect(await inventory.getDevice(victimId)).toMatchObject({ ip: victim.ip, addresses: [victim.ip], serial: victim.serial });
    const claimant = (await inventory.getDevice(second.deviceIds.find((id) => id !== victimId)!))!;
    expect(claimant).toMatchObject({ ip: spoofer, serial: null });
    expect((await inventory.getDevice(victimId))!.alert).toMatch(/10\.0\.0\.209 claimed this device's serial/);
  });

  it('a device that moved (DHCP) with no neighbour entry at its new address still merges when two channels say its MAC and serial', async () => {
    temp = await tempInventory(kind, 'camaudit-inventory-', options);
    const { inventory } = temp;
    const first = await scanWith(inventory, victimSeen());
    const moved = '10.0.0.77';
    // Nothing answers at the old address any more: no table places the device anywhere.
    const second = await scanWith(inventory, [observation(sadp(moved, victim.mac, victim.serial, 'DS-2CD')), observation(dhip(moved, victim.mac, victim.serial))]);
    expect(second.deviceIds).toEqual(first.deviceIds);
    expect(await inventory.getDevice(first.deviceIds[0]!)).toMatchObject({ ip: moved, mac: victim.mac, serial: victim.serial, alert: null });
    // Another device took the old address: the tables show another MAC there, which places nothing.
    const third = await scanWith(inventory, [observation(neighbour(victim.ip, 'aa:bb:cc:00:00:99')), observation(http(victim.ip, 'printer')), observation(sadp(moved, victim.mac, victim.serial, 'DS-2CD')), observation(dhip(moved, victim.mac, victim.serial))]);
    expect(third.deviceIds).toContain(first.deviceIds[0]);
    expect((await inventory.getDevice(first.deviceIds[0]!))!.ip).toBe(moved);
  });
});
