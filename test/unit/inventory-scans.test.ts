import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CamauditError } from '../../src/errors.js';
import { SCHEMA_VERSION } from '../../src/inventory/index.js';
import pg from 'pg';
import { http, neighbour, observation, sadp, scanWith, storeKinds, tempInventory, withRawDatabase, type TempInventory } from './inventory-helpers.js';

let temp: TempInventory;
afterEach(async () => temp.cleanup());

describe.each(storeKinds('inventory-scans'))('%s store', (kind) => {
  describe('scan history', () => {
    it('records scope, channels, times, status and counts', async () => {
      temp = await tempInventory(kind);
      const { inventory } = temp;
      const scanId = await inventory.beginScan({ site: 'hq', agent: 'agent-1', scope: { cidrs: ['10.0.0.0/24'], interfaces: ['eth0'] }, channels: ['banner', 'sadp'] });
      const running = (await inventory.getScan(scanId))!;
      expect(running.status).toBe('running');
      expect(running.finishedAt).toBeNull();
      await inventory.recordObservation(scanId, observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-2')));
      await inventory.recordObservation(scanId, observation(http('10.0.0.2', 'web')));
      await inventory.recordObservation(scanId, observation(http('10.0.0.3', 'printer')));
      expect((await inventory.getScan(scanId))!.counts.observations).toBe(3);
      expect((await inventory.isScanRunning())).toBe(true);
      const finished = await inventory.finishScan(scanId, { status: 'finished', counts: { addresses: 256 } });
      expect((await inventory.isScanRunning())).toBe(false);
      expect(finished.deviceIds).toHaveLength(2);
      const scan = (await inventory.getScan(scanId))!;
      expect(scan).toMatchObject({ site: 'hq', agent: 'agent-1', scope: { cidrs: ['10.0.0.0/24'], interfaces: ['eth0'] }, channels: ['banner', 'sadp'], status: 'finished' });
      expect(scan.finishedAt! >= scan.startedAt).toBe(true);
      expect(scan.counts).toMatchObject({ observations: 3, devices: 2, newDevices: 2, covered: 1, alerts: 0, addresses: 256, bySource: { sadp: 1, http: 2 } });
      expect((await inventory.listScans()).items.map((entry) => entry.id)).toEqual([scanId]);
    });

    it('refuses observations for an unknown or finished scan, and malformed ones', async () => {
      temp = await tempInventory(kind);
      const { inventory } = temp;
      await expect(inventory.recordObservation('nope', observation(http('10.0.0.1', 'x')))).rejects.toThrow(CamauditError);
      const { scanId } = await scanWith(inventory, []);
      await expect(inventory.recordObservation(scanId, observation(http('10.0.0.1', 'x')))).rejects.toThrow(/not running/);
      const running = await inventory.beginScan({ site: 'hq', agent: 'a', scope: {}, channels: [] });
      await expect(inventory.recordObservation(running, { id: 5 } as never)).rejects.toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_BAD_OBSERVATION' }));
    });

    it('a scan left running by a process that is gone is marked interrupted at open, and its observations are kept', async () => {
      temp = await tempInventory(kind);
      const scanId = await temp.inventory.beginScan({ site: 'hq', agent: 'agent-1', scope: {}, channels: ['banner'] });
      await temp.inventory.recordObservation(scanId, observation(http('10.0.0.9', 'half a scan')));
      // Closing without finishScan is what a crash leaves. The runner is made a process of this host that has
      // exited: certainly gone, so the scan is closed at once rather than when its heartbeat lease runs out.
      await temp.inventory.close();
      const exited = spawnSync('true');
      await withRawDatabase(temp.path, (db) => db.run('UPDATE scans SET runner = ? WHERE id = ?', [`${hostname()}:${exited.pid}`, scanId]));
      const reopened = await temp.reopen();
      const scan = (await reopened.getScan(scanId))!;
      expect(scan.status).toBe('interrupted');
      expect(scan.counts.observations).toBe(1);
      expect((await reopened.listDevices()).items.map((device) => device.ip)).toEqual(['10.0.0.9']);
    });

    it.runIf(kind === 'sqlite')('opens an existing file at the current schema version and refuses a newer one', async () => {
      temp = await tempInventory(kind);
      await temp.inventory.close();
      const raw = new Database(temp.path);
      expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      raw.close();
      await expect(temp.reopen()).rejects.toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_DB' }));
    });

    it.runIf(kind === 'postgres')('migrates a database once (opening it again runs nothing twice) and refuses a newer schema', async () => {
      temp = await tempInventory(kind);
      await temp.reopen();
      await temp.inventory.close();
      const client = new pg.Client({ connectionString: temp.path });
      await client.connect();
      try {
        expect((await client.query('SELECT version FROM camaudit_schema')).rows).toEqual([{ version: SCHEMA_VERSION }]);
        await client.query('UPDATE camaudit_schema SET version = $1', [SCHEMA_VERSION + 1]);
      } finally {
        await client.end();
      }
      await expect(temp.reopen()).rejects.toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_DB' }));
    });
  });

  describe('diff', () => {
    it('says what is new, gone and changed (address, firmware, identification), and a re-addressed device stays one', async () => {
      temp = await tempInventory(kind);
      const { inventory } = temp;
      const a = await scanWith(inventory, [
        observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-STAYS')),
        observation(sadp('10.0.0.3', 'aa:bb:cc:00:00:03', 'SERIAL0003', 'DS-GOES')),
        observation(sadp('10.0.0.4', 'aa:bb:cc:00:00:04', 'SERIAL0004', 'DS-MOVES')),
        observation(sadp('10.0.0.5', 'aa:bb:cc:00:00:05', 'SERIAL0005', 'DS-UPGRADES', 'V5.4.0 build 160101')),
      ]);
      const b = await scanWith(inventory, [
        observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-STAYS')),
        // The kernel's neighbour table vouches for the MAC at the new address: a move, not a claim.
        observation(neighbour('10.0.0.44', 'aa:bb:cc:00:00:04')),
        observation(sadp('10.0.0.44', 'aa:bb:cc:00:00:04', 'SERIAL0004', 'DS-MOVES')),
        observation(sadp('10.0.0.5', 'aa:bb:cc:00:00:05', 'SERIAL0005', 'DS-UPGRADES', 'V5.5.0 build 170725')),
        observation(sadp('10.0.0.6', 'aa:bb:cc:00:00:06', 'SERIAL0006', 'DS-NEW')),
      ]);
      expect((await inventory.previousScanId(b.scanId))).toBe(a.scanId);
      expect((await inventory.previousScanId(a.scanId))).toBeUndefined();
      const diff = await inventory.diffScans(a.scanId, b.scanId);
      expect(diff.new.map((entry) => entry.model)).toEqual(['DS-NEW']);
      expect(diff.gone.map((entry) => entry.model)).toEqual(['DS-GOES']);
      expect(diff.unchanged).toBe(1);
      const changes = Object.fromEntries(diff.changed.map((entry) => [entry.model, entry.changes]));
      expect(changes['DS-MOVES']).toEqual([{ field: 'address', before: '10.0.0.4', after: '10.0.0.44' }]);
      expect(changes['DS-UPGRADES']).toEqual([{ field: 'firmware', before: 'V5.4.0 build 160101', after: 'V5.5.0 build 170725' }]);
      expect((await inventory.listDevices()).total).toBe(5);
      const upgraded = (await inventory.listDevices({ search: 'ds-upgrades' })).items[0]!;
      expect((await inventory.getDeviceDetail(upgraded.id))!.history.map((entry) => entry.kind)).toContain('firmware');
      // And the reverse direction swaps new and gone.
      const back = await inventory.diffScans(b.scanId, a.scanId);
      expect(back.new.map((entry) => entry.model)).toEqual(['DS-GOES']);
      await expect(inventory.diffScans(a.scanId, 'missing')).rejects.toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_NOT_FOUND' }));
    });

    it('reports an identification change', async () => {
      temp = await tempInventory(kind);
      const { inventory } = temp;
      const a = await scanWith(inventory, [observation(http('10.0.0.8', 'Unknown web')), observation(neighbour('10.0.0.8', 'aa:bb:cc:00:00:08'))]);
      const b = await scanWith(inventory, [observation(sadp('10.0.0.8', 'aa:bb:cc:00:00:08', 'SERIAL0008', 'DS-8'))]);
      const diff = await inventory.diffScans(a.scanId, b.scanId);
      expect(diff.changed).toHaveLength(1);
      expect(diff.changed[0]!.changes).toEqual([{ field: 'identification', before: '//Unknown web', after: 'Hikvision/Hikvision/DS-8' }]);
    });
  });

  describe('replacement tracking', () => {
    it('updates site, location, owner, notes and status with history; exempt needs a reason', async () => {
      temp = await tempInventory(kind);
      const { inventory } = temp;
      const { deviceIds } = await scanWith(inventory, [observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-2'))]);
      const id = deviceIds[0]!;
      const updated = await inventory.updateDevice(id, { site: 'Building B', location: 'Gate 3', owner: 'Facilities', notes: 'pole mount', status: 'planned', statusReason: 'Q3 budget' });
      expect(updated).toMatchObject({ site: 'Building B', location: 'Gate 3', owner: 'Facilities', notes: 'pole mount', status: 'planned', statusReason: 'Q3 budget' });
      await expect(inventory.updateDevice(id, { status: 'exempt' })).rejects.toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_BAD_REQUEST' }));
      expect((await inventory.updateDevice(id, { status: 'exempt', statusReason: 'air-gapped test bench' })).statusReason).toBe('air-gapped test bench');
      expect((await inventory.updateDevice(id, { status: 'found' })).statusReason).toBeNull();
      await expect(inventory.updateDevice('missing', { notes: 'x' })).rejects.toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_NOT_FOUND' }));
      const history = (await inventory.getDeviceDetail(id))!.history;
      expect(history.filter((entry) => entry.kind === 'edit').map((entry) => entry.field)).toEqual(['site', 'location', 'owner', 'notes']);
      expect(history.filter((entry) => entry.kind === 'status').map((entry) => entry.newValue)).toEqual(['planned: Q3 budget', 'exempt: air-gapped test bench', 'found']);
      // A user-set site does not stop the next scan (from the agent's own site) finding the device.
      const again = await scanWith(inventory, [observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-2'))]);
      expect(again.deviceIds).toEqual([id]);
      expect((await inventory.getDevice(id))!.site).toBe('Building B');
    });

    it('a device marked replaced that is seen again raises an alert until cleared; one not seen does not', async () => {
      temp = await tempInventory(kind);
      const { inventory } = temp;
      const first = await scanWith(inventory, [
        observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-2')),
        observation(sadp('10.0.0.3', 'aa:bb:cc:00:00:03', 'SERIAL0003', 'DS-3')),
      ]);
      const [two, three] = first.deviceIds as [string, string];
      await inventory.updateDevice(two, { status: 'replaced' });
      await inventory.updateDevice(three, { status: 'removed' });
      const second = await scanWith(inventory, [observation(sadp('10.0.0.22', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-2')), observation(neighbour('10.0.0.22', 'aa:bb:cc:00:00:02'))]);
      expect(second.alertDeviceIds).toEqual([two]);
      expect(second.counts.alerts).toBe(1);
      const alerted = (await inventory.getDevice(two))!;
      expect(alerted.alert).toMatch(/seen again at 10\.0\.0\.22 .* marked replaced/);
      expect((await inventory.getDevice(three))!.alert).toBeNull();
      expect((await inventory.listDevices({ alert: true })).items.map((device) => device.id)).toEqual([two]);
      expect((await inventory.updateDevice(two, { clearAlert: true })).alert).toBeNull();
    });
  });

  describe('filters and pagination', () => {
    it('filters by vendor, brand, covered, status, site, seen since and text, and pages', async () => {
      temp = await tempInventory(kind);
      const { inventory } = temp;
      (await scanWith(inventory, [
        observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-2')),
        observation({ source: 'dhip', ip: '10.0.0.3', mac: 'aa:bb:cc:00:00:03', dhip: { DeviceType: 'IPC-HDW', Vendor: 'Lorex', SerialNo: 'DH0003', Version: '2.8' } }),
        observation(http('10.0.0.4', 'HP LaserJet 100%_done')),
      ]));
      await scanWith(inventory, [observation(http('10.1.0.4', 'Branch printer'), 'branch')], 'branch');
      expect((await inventory.listDevices()).total).toBe(4);
      expect((await inventory.listDevices({ vendor: 'hikvision' })).items.map((device) => device.ip)).toEqual(['10.0.0.2']);
      expect((await inventory.listDevices({ brand: 'LOREX' })).items.map((device) => device.ip)).toEqual(['10.0.0.3']);
      expect((await inventory.listDevices({ covered: true })).total).toBe(2);
      expect((await inventory.listDevices({ covered: false })).total).toBe(2);
      expect((await inventory.listDevices({ site: 'branch' })).items.map((device) => device.ip)).toEqual(['10.1.0.4']);
      expect((await inventory.listDevices({ search: '100%_' })).items.map((device) => device.ip)).toEqual(['10.0.0.4']);
      expect((await inventory.listDevices({ search: '%' })).total).toBe(1);
      expect((await inventory.listDevices({ search: 'aa:bb:cc:00:00:03' })).total).toBe(1);
      expect((await inventory.listDevices({ status: 'found' })).total).toBe(4);
      expect((await inventory.listDevices({ status: 'planned' })).total).toBe(0);
      expect((await inventory.listDevices({ seenSince: '2100-01-01' })).total).toBe(0);
      expect((await inventory.listDevices({ seenSince: '2000-01-01T00:00:00Z' })).total).toBe(4);
      await expect(inventory.listDevices({ seenSince: 'yesterday-ish' })).rejects.toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_BAD_REQUEST' }));
      const pageOne = await inventory.listDevices({}, { limit: 3, offset: 0 });
      const pageTwo = await inventory.listDevices({}, { limit: 3, offset: 3 });
      expect(pageOne.items).toHaveLength(3);
      expect(pageTwo.items).toHaveLength(1);
      expect(pageOne.total).toBe(4);
      expect(new Set([...pageOne.items, ...pageTwo.items].map((device) => device.id)).size).toBe(4);
      expect((await inventory.listDevices({}, { limit: 0 })).limit).toBe(1);
      expect((await inventory.listAllDevices({ covered: true }))).toHaveLength(2);
    });
  });
});
