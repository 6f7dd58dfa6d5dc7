import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CamauditError } from '../../src/errors.js';
import { SCHEMA_VERSION } from '../../src/inventory/index.js';
import { http, neighbour, observation, sadp, scanWith, tempInventory, type TempInventory } from './inventory-helpers.js';

let temp: TempInventory;
afterEach(() => temp.cleanup());

describe('scan history', () => {
  it('records scope, channels, times, status and counts', () => {
    temp = tempInventory();
    const { inventory } = temp;
    const scanId = inventory.beginScan({ site: 'hq', agent: 'agent-1', scope: { cidrs: ['10.0.0.0/24'], interfaces: ['eth0'] }, channels: ['banner', 'sadp'] });
    const running = inventory.getScan(scanId)!;
    expect(running.status).toBe('running');
    expect(running.finishedAt).toBeNull();
    inventory.recordObservation(scanId, observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-2')));
    inventory.recordObservation(scanId, observation(http('10.0.0.2', 'web')));
    inventory.recordObservation(scanId, observation(http('10.0.0.3', 'printer')));
    expect(inventory.getScan(scanId)!.counts.observations).toBe(3);
    expect(inventory.isScanRunning()).toBe(true);
    const finished = inventory.finishScan(scanId, { status: 'finished', counts: { addresses: 256 } });
    expect(inventory.isScanRunning()).toBe(false);
    expect(finished.deviceIds).toHaveLength(2);
    const scan = inventory.getScan(scanId)!;
    expect(scan).toMatchObject({ site: 'hq', agent: 'agent-1', scope: { cidrs: ['10.0.0.0/24'], interfaces: ['eth0'] }, channels: ['banner', 'sadp'], status: 'finished' });
    expect(scan.finishedAt! >= scan.startedAt).toBe(true);
    expect(scan.counts).toMatchObject({ observations: 3, devices: 2, newDevices: 2, covered: 1, alerts: 0, addresses: 256, bySource: { sadp: 1, http: 2 } });
    expect(inventory.listScans().items.map((entry) => entry.id)).toEqual([scanId]);
  });

  it('refuses observations for an unknown or finished scan, and malformed ones', () => {
    temp = tempInventory();
    const { inventory } = temp;
    expect(() => inventory.recordObservation('nope', observation(http('10.0.0.1', 'x')))).toThrow(CamauditError);
    const { scanId } = scanWith(inventory, []);
    expect(() => inventory.recordObservation(scanId, observation(http('10.0.0.1', 'x')))).toThrow(/not running/);
    const running = inventory.beginScan({ site: 'hq', agent: 'a', scope: {}, channels: [] });
    expect(() => inventory.recordObservation(running, { id: 5 } as never)).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_BAD_OBSERVATION' }));
  });

  it('a scan left running by a process that is gone is marked interrupted at open, and its observations are kept', () => {
    temp = tempInventory();
    const scanId = temp.inventory.beginScan({ site: 'hq', agent: 'agent-1', scope: {}, channels: ['banner'] });
    temp.inventory.recordObservation(scanId, observation(http('10.0.0.9', 'half a scan')));
    // Closing without finishScan is what a crash leaves; the runner recorded is this pid, which a fresh open
    // cannot be running under, so it counts as gone.
    const reopened = temp.reopen();
    const scan = reopened.getScan(scanId)!;
    expect(scan.status).toBe('interrupted');
    expect(scan.counts.observations).toBe(1);
    expect(reopened.listDevices().items.map((device) => device.ip)).toEqual(['10.0.0.9']);
  });

  it('opens an existing file at the current schema version and refuses a newer one', () => {
    temp = tempInventory();
    temp.inventory.close();
    const raw = new Database(temp.path);
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => temp.reopen()).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_DB' }));
  });
});

describe('diff', () => {
  it('says what is new, gone and changed (address, firmware, identification), and a re-addressed device stays one', () => {
    temp = tempInventory();
    const { inventory } = temp;
    const a = scanWith(inventory, [
      observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-STAYS')),
      observation(sadp('10.0.0.3', 'aa:bb:cc:00:00:03', 'SERIAL0003', 'DS-GOES')),
      observation(sadp('10.0.0.4', 'aa:bb:cc:00:00:04', 'SERIAL0004', 'DS-MOVES')),
      observation(sadp('10.0.0.5', 'aa:bb:cc:00:00:05', 'SERIAL0005', 'DS-UPGRADES', 'V5.4.0 build 160101')),
    ]);
    const b = scanWith(inventory, [
      observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-STAYS')),
      observation(sadp('10.0.0.44', 'aa:bb:cc:00:00:04', 'SERIAL0004', 'DS-MOVES')),
      observation(sadp('10.0.0.5', 'aa:bb:cc:00:00:05', 'SERIAL0005', 'DS-UPGRADES', 'V5.5.0 build 170725')),
      observation(sadp('10.0.0.6', 'aa:bb:cc:00:00:06', 'SERIAL0006', 'DS-NEW')),
    ]);
    expect(inventory.previousScanId(b.scanId)).toBe(a.scanId);
    expect(inventory.previousScanId(a.scanId)).toBeUndefined();
    const diff = inventory.diffScans(a.scanId, b.scanId);
    expect(diff.new.map((entry) => entry.model)).toEqual(['DS-NEW']);
    expect(diff.gone.map((entry) => entry.model)).toEqual(['DS-GOES']);
    expect(diff.unchanged).toBe(1);
    const changes = Object.fromEntries(diff.changed.map((entry) => [entry.model, entry.changes]));
    expect(changes['DS-MOVES']).toEqual([{ field: 'address', before: '10.0.0.4', after: '10.0.0.44' }]);
    expect(changes['DS-UPGRADES']).toEqual([{ field: 'firmware', before: 'V5.4.0 build 160101', after: 'V5.5.0 build 170725' }]);
    expect(inventory.listDevices().total).toBe(5);
    const upgraded = inventory.listDevices({ search: 'ds-upgrades' }).items[0]!;
    expect(inventory.getDeviceDetail(upgraded.id)!.history.map((entry) => entry.kind)).toContain('firmware');
    // And the reverse direction swaps new and gone.
    const back = inventory.diffScans(b.scanId, a.scanId);
    expect(back.new.map((entry) => entry.model)).toEqual(['DS-GOES']);
    expect(() => inventory.diffScans(a.scanId, 'missing')).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_NOT_FOUND' }));
  });

  it('reports an identification change', () => {
    temp = tempInventory();
    const { inventory } = temp;
    const a = scanWith(inventory, [observation(http('10.0.0.8', 'Unknown web')), observation(neighbour('10.0.0.8', 'aa:bb:cc:00:00:08'))]);
    const b = scanWith(inventory, [observation(sadp('10.0.0.8', 'aa:bb:cc:00:00:08', 'SERIAL0008', 'DS-8'))]);
    const diff = inventory.diffScans(a.scanId, b.scanId);
    expect(diff.changed).toHaveLength(1);
    expect(diff.changed[0]!.changes).toEqual([{ field: 'identification', before: '//Unknown web', after: 'Hikvision/Hikvision/DS-8' }]);
  });
});

describe('replacement tracking', () => {
  it('updates site, location, owner, notes and status with history; exempt needs a reason', () => {
    temp = tempInventory();
    const { inventory } = temp;
    const { deviceIds } = scanWith(inventory, [observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-2'))]);
    const id = deviceIds[0]!;
    const updated = inventory.updateDevice(id, { site: 'Building B', location: 'Gate 3', owner: 'Facilities', notes: 'pole mount', status: 'planned', statusReason: 'Q3 budget' });
    expect(updated).toMatchObject({ site: 'Building B', location: 'Gate 3', owner: 'Facilities', notes: 'pole mount', status: 'planned', statusReason: 'Q3 budget' });
    expect(() => inventory.updateDevice(id, { status: 'exempt' })).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_BAD_REQUEST' }));
    expect(inventory.updateDevice(id, { status: 'exempt', statusReason: 'air-gapped test bench' }).statusReason).toBe('air-gapped test bench');
    expect(inventory.updateDevice(id, { status: 'found' }).statusReason).toBeNull();
    expect(() => inventory.updateDevice('missing', { notes: 'x' })).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_NOT_FOUND' }));
    const history = inventory.getDeviceDetail(id)!.history;
    expect(history.filter((entry) => entry.kind === 'edit').map((entry) => entry.field)).toEqual(['site', 'location', 'owner', 'notes']);
    expect(history.filter((entry) => entry.kind === 'status').map((entry) => entry.newValue)).toEqual(['planned: Q3 budget', 'exempt: air-gapped test bench', 'found']);
    // A user-set site does not stop the next scan (from the agent's own site) finding the device.
    const again = scanWith(inventory, [observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-2'))]);
    expect(again.deviceIds).toEqual([id]);
    expect(inventory.getDevice(id)!.site).toBe('Building B');
  });

  it('a device marked replaced that is seen again raises an alert until cleared; one not seen does not', () => {
    temp = tempInventory();
    const { inventory } = temp;
    const first = scanWith(inventory, [
      observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-2')),
      observation(sadp('10.0.0.3', 'aa:bb:cc:00:00:03', 'SERIAL0003', 'DS-3')),
    ]);
    const [two, three] = first.deviceIds as [string, string];
    inventory.updateDevice(two, { status: 'replaced' });
    inventory.updateDevice(three, { status: 'removed' });
    const second = scanWith(inventory, [observation(sadp('10.0.0.22', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-2'))]);
    expect(second.alertDeviceIds).toEqual([two]);
    expect(second.counts.alerts).toBe(1);
    const alerted = inventory.getDevice(two)!;
    expect(alerted.alert).toMatch(/seen again at 10\.0\.0\.22 .* marked replaced/);
    expect(inventory.getDevice(three)!.alert).toBeNull();
    expect(inventory.listDevices({ alert: true }).items.map((device) => device.id)).toEqual([two]);
    expect(inventory.updateDevice(two, { clearAlert: true }).alert).toBeNull();
  });
});

describe('filters and pagination', () => {
  it('filters by vendor, brand, covered, status, site, seen since and text, and pages', () => {
    temp = tempInventory();
    const { inventory } = temp;
    scanWith(inventory, [
      observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-2')),
      observation({ source: 'dhip', ip: '10.0.0.3', mac: 'aa:bb:cc:00:00:03', dhip: { DeviceType: 'IPC-HDW', Vendor: 'Lorex', SerialNo: 'DH0003', Version: '2.8' } }),
      observation(http('10.0.0.4', 'HP LaserJet 100%_done')),
    ]);
    scanWith(inventory, [observation(http('10.1.0.4', 'Branch printer'), 'branch')], 'branch');
    expect(inventory.listDevices().total).toBe(4);
    expect(inventory.listDevices({ vendor: 'hikvision' }).items.map((device) => device.ip)).toEqual(['10.0.0.2']);
    expect(inventory.listDevices({ brand: 'LOREX' }).items.map((device) => device.ip)).toEqual(['10.0.0.3']);
    expect(inventory.listDevices({ covered: true }).total).toBe(2);
    expect(inventory.listDevices({ covered: false }).total).toBe(2);
    expect(inventory.listDevices({ site: 'branch' }).items.map((device) => device.ip)).toEqual(['10.1.0.4']);
    expect(inventory.listDevices({ search: '100%_' }).items.map((device) => device.ip)).toEqual(['10.0.0.4']);
    expect(inventory.listDevices({ search: '%' }).total).toBe(1);
    expect(inventory.listDevices({ search: 'aa:bb:cc:00:00:03' }).total).toBe(1);
    expect(inventory.listDevices({ status: 'found' }).total).toBe(4);
    expect(inventory.listDevices({ status: 'planned' }).total).toBe(0);
    expect(inventory.listDevices({ seenSince: '2100-01-01' }).total).toBe(0);
    expect(inventory.listDevices({ seenSince: '2000-01-01T00:00:00Z' }).total).toBe(4);
    expect(() => inventory.listDevices({ seenSince: 'yesterday-ish' })).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_BAD_REQUEST' }));
    const pageOne = inventory.listDevices({}, { limit: 3, offset: 0 });
    const pageTwo = inventory.listDevices({}, { limit: 3, offset: 3 });
    expect(pageOne.items).toHaveLength(3);
    expect(pageTwo.items).toHaveLength(1);
    expect(pageOne.total).toBe(4);
    expect(new Set([...pageOne.items, ...pageTwo.items].map((device) => device.id)).size).toBe(4);
    expect(inventory.listDevices({}, { limit: 0 }).limit).toBe(1);
    expect(inventory.listAllDevices({ covered: true })).toHaveLength(2);
  });
});
