import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_SORT_COLUMNS, openInventory, progressFromHistory, type DeviceFilter, type DeviceSortKey, type Inventory } from '../../src/inventory/index.js';
import { pageIdsQuery } from '../../src/inventory/queries.js';
import type { ObservationInput } from '../../src/observation.js';
import { http, identifyDouble, neighbour, observation, sadp, scanWith, silentLog, storeKinds, tempInventory, type StoreKind, type TempInventory } from './inventory-helpers.js';

// The overview the planning page shows: counts per status and group, progress replayed from the status history,
// alerts, filter values; and the device list's sorting and advisory filter, over a real SQLite file and a real
// PostgreSQL database.

const DAY = 24 * 60 * 60 * 1000;
let temp: TempInventory | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

async function openWithClock(kind: StoreKind, start: string): Promise<{ inventory: Inventory; setDay(day: number): void }> {
  let now = Date.parse(start);
  temp = await tempInventory(kind, 'camaudit-overview-', { now: () => new Date(now) });
  return { inventory: temp.inventory, setDay: (day) => (now = Date.parse(start) + day * DAY) };
}

const withSadp = (input: ObservationInput, fields: Record<string, string>): ObservationInput => ({ ...input, sadp: { ...input.sadp, ...fields } });
const dhip = (ip: string, mac: string, serial: string) => ({ source: 'dhip' as const, ip, mac, dhip: { DeviceType: 'IPC-HDW1431T1', Vendor: 'Dahua', SerialNo: serial, Version: '2.800' } });

describe('progressFromHistory', () => {
  it('counts a device as found from its creation, then as its last status, one point per day', () => {
    const points = progressFromHistory([
      { device_id: 'a', at: '2026-11-01T08:00:00Z', kind: 'created', new_value: '10.0.0.1' },
      { device_id: 'b', at: '2026-11-01T09:00:00Z', kind: 'created', new_value: '10.0.0.2' },
      { device_id: 'a', at: '2026-11-03T10:00:00Z', kind: 'status', new_value: 'planned' },
      { device_id: 'a', at: '2026-11-03T11:00:00Z', kind: 'status', new_value: 'replaced: swapped for an Axis' },
      { device_id: 'b', at: '2026-11-04T10:00:00Z', kind: 'status', new_value: 'exempt: court evidence' },
      // A second creation (two devices merged into one) does not count twice.
      { device_id: 'b', at: '2026-11-04T11:00:00Z', kind: 'created', new_value: '10.0.0.3' },
      { device_id: 'c', at: '2026-11-04T12:00:00Z', kind: 'status', new_value: 'not-a-status' },
    ]);
    expect(points).toEqual([
      { day: '2026-11-01', total: 2, found: 2, planned: 0, replaced: 0, removed: 0, exempt: 0 },
      { day: '2026-11-03', total: 2, found: 1, planned: 0, replaced: 1, removed: 0, exempt: 0 },
      { day: '2026-11-04', total: 2, found: 0, planned: 0, replaced: 1, removed: 0, exempt: 1 },
    ]);
  });
});

describe.each(storeKinds('inventory-overview'))('the overview (%s store)', (kind) => {
  it('counts covered devices per status, site, vendor and brand; rebuilds progress; raises the alerts', async () => {
    const { inventory, setDay } = await openWithClock(kind, '2026-11-01T09:00:00Z');
    await scanWith(inventory, [
      observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SN2', 'DS-2CD2042WD')),
      observation(sadp('10.0.0.3', 'aa:bb:cc:00:00:03', 'SN3', 'DS-2CD2142FWD')),
      observation(http('10.0.0.9', 'Printer')),
    ]);
    await scanWith(inventory, [observation(dhip('10.1.0.2', 'aa:bb:cc:00:01:02', 'DH2'))], 'depot');
    const byIp = async (ip: string) => (await inventory.listAllDevices()).find((device) => device.ip === ip)!;
    setDay(3);
    await inventory.updateDevice((await byIp('10.0.0.2')).id, { status: 'replaced' });
    await inventory.updateDevice((await byIp('10.1.0.2')).id, { status: 'planned' });
    setDay(6);
    // The replaced camera answers again, and a new Hikvision camera appears.
    await scanWith(inventory, [
      observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SN2', 'DS-2CD2042WD')),
      // Its Hik-Connect (P2P) is switched on now: the cloud alert.
      observation(withSadp(sadp('10.0.0.3', 'aa:bb:cc:00:00:03', 'SN3', 'DS-2CD2142FWD'), { HCPlatformEnable: 'true' })),
      observation(sadp('10.0.0.4', 'aa:bb:cc:00:00:04', 'SN4', 'DS-NEW')),
      observation(http('10.0.0.9', 'Printer')),
    ]);

    const overview = await inventory.overview();
    expect(overview.devices).toBe(5);
    expect(overview.covered).toEqual({ total: 4, found: 2, planned: 1, replaced: 1, removed: 0, exempt: 0 });
    expect(overview.bySite).toEqual([
      { name: 'hq', counts: { total: 3, found: 2, planned: 0, replaced: 1, removed: 0, exempt: 0 } },
      { name: 'depot', counts: { total: 1, found: 0, planned: 1, replaced: 0, removed: 0, exempt: 0 } },
    ]);
    expect(overview.byVendor.map((group) => [group.name, group.counts.total])).toEqual([
      ['Hikvision', 3],
      ['Dahua', 1],
    ]);
    expect(overview.byBrand.map((group) => group.name).sort()).toEqual(['Dahua', 'Hikvision']);
    expect(overview.progress.map((point) => [point.day, point.total, point.found, point.planned, point.replaced])).toEqual([
      ['2026-11-01', 3, 3, 0, 0],
      ['2026-11-04', 3, 1, 1, 1],
      ['2026-11-07', 4, 2, 1, 1],
    ]);
    const alert = (kind: string) => overview.alerts.find((entry) => entry.kind === kind)!;
    expect(alert('seenAgain')).toMatchObject({ available: true, count: 1, devices: [{ ip: '10.0.0.2', status: 'replaced' }] });
    expect(alert('newCovered')).toMatchObject({ available: true, count: 1, devices: [{ ip: '10.0.0.4' }] });
    // The test double gives every DHIP device the advisory TEST-ADV-1.
    expect(alert('advisory')).toMatchObject({ available: true, count: 1, devices: [{ ip: '10.1.0.2', detail: 'TEST-ADV-1' }] });
    expect(alert('cloudP2p')).toMatchObject({ available: true, count: 1, devices: [{ ip: '10.0.0.3', detail: 'sadp.HCPlatformEnable: true' }] });
    expect(await inventory.facets()).toEqual({
      sites: ['depot', 'hq'],
      vendors: ['Dahua', 'Hikvision'],
      brands: ['Dahua', 'Hikvision'],
      advisories: [{ id: 'TEST-ADV-1', title: 'test advisory', devices: 1 }],
    });
    expect(overview.lastScan).toMatchObject({ site: 'hq', status: 'finished' });
    await inventory.close();
  });

  it('the first scan of a site raises no "new covered" alert: everything is new then', async () => {
    const { inventory } = await openWithClock(kind, '2026-11-01T09:00:00Z');
    await scanWith(inventory, [observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SN2', 'DS-2CD2042WD'))]);
    expect((await inventory.overview()).alerts.find((entry) => entry.kind === 'newCovered')!.count).toBe(0);
    await inventory.close();
  });

  it('is recomputed after any write, by this connection or another', async () => {
    const { inventory } = await openWithClock(kind, '2026-11-01T09:00:00Z');
    await scanWith(inventory, [observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SN2', 'DS-2CD2042WD'))]);
    const first = await inventory.overview();
    expect(await inventory.overview()).toBe(first);
    const [device] = await inventory.listAllDevices();
    await inventory.updateDevice(device!.id, { status: 'planned' });
    expect((await inventory.overview()).covered.planned).toBe(1);
    const other = await openInventory(temp!.path, { identify: identifyDouble, log: silentLog });
    await other.updateDevice(device!.id, { status: 'removed' });
    await other.close();
    expect((await inventory.overview()).covered).toMatchObject({ planned: 0, removed: 1 });
    await inventory.close();
  });
});

describe.each(storeKinds('inventory-overview'))('listing devices for the page (%s store)', (kind) => {
  it('sorts by any sortable column both ways, ties broken by id; filters by advisory', async () => {
    const { inventory } = await openWithClock(kind, '2026-11-01T09:00:00Z');
    await scanWith(inventory, [
      observation(sadp('10.0.0.3', 'aa:bb:cc:00:00:03', 'SN3', 'DS-B')),
      observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SN2', 'DS-C')),
      observation(sadp('10.0.0.4', 'aa:bb:cc:00:00:04', 'SN4', 'DS-A')),
      observation(dhip('10.0.0.5', 'aa:bb:cc:00:00:05', 'DH5')),
      observation(neighbour('10.0.0.6', 'aa:bb:cc:00:00:06')),
    ]);
    const models = async (descending: boolean) => (await inventory.listDevices({ covered: true }, { limit: 10 }, { key: 'model', descending })).items.map((device) => device.identification.model);
    expect(await models(false)).toEqual(['DS-A', 'DS-B', 'DS-C', 'IPC-HDW1431T1']);
    expect(await models(true)).toEqual(['IPC-HDW1431T1', 'DS-C', 'DS-B', 'DS-A']);
    const ips = await inventory.listDevices({}, { limit: 2, offset: 1 }, { key: 'ip', descending: false });
    expect(ips.items.map((device) => device.ip)).toEqual(['10.0.0.3', '10.0.0.4']);
    expect(ips.total).toBe(5);
    expect((await inventory.listDevices({ advisory: 'any' })).items.map((device) => device.ip)).toEqual(['10.0.0.5']);
    expect((await inventory.listDevices({ advisory: 'TEST-ADV-1' })).total).toBe(1);
    expect((await inventory.listDevices({ advisory: 'CVE-0000-0000' })).total).toBe(0);
    expect((await inventory.listDevices({ advisory: 'none' })).total).toBe(4);
    await expect(inventory.listDevices({}, {}, { key: 'identification' as never, descending: false })).rejects.toThrow(/cannot sort/);
    await inventory.close();
  });

  it.runIf(kind === 'sqlite')('reads a page from an index, not a sort of every row, for every sortable column', async () => {
    const { inventory } = await openWithClock(kind, '2026-11-01T09:00:00Z');
    await inventory.close();
    const db = new Database(join(temp!.directory, 'inventory.sqlite'));
    const filters: DeviceFilter[] = [{}, { covered: true }, { covered: true, vendor: 'Dahua' }, { site: 'hq', status: 'planned' }, { advisory: 'any' }];
    for (const key of Object.keys(DEVICE_SORT_COLUMNS) as DeviceSortKey[]) {
      for (const descending of [false, true]) {
        for (const filter of filters) {
          const query = pageIdsQuery(filter, { key, descending }, { limit: 50, offset: 100 }, 'sqlite');
          const plan = (db.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params) as { detail: string }[]).map((row) => row.detail).join(' | ');
          expect(plan, `${key} ${descending ? 'desc' : 'asc'} ${JSON.stringify(filter)}: ${plan}`).not.toMatch(/TEMP B-TREE/);
          // The page is read from the sort column's index alone.
          expect(plan).toMatch(/SCAN devices USING COVERING INDEX/);
        }
      }
    }
    db.close();
  });
});
