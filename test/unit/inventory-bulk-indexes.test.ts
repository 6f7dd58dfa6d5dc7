// A merge that at least doubles the devices table builds its indexes once at the end (bulk-indexes.ts), inside its
// transaction: afterwards every index is there again as it was, and a merge that fails half-way leaves them all.
// New devices get time-ordered ids (UUID version 7), so a scan's devices sort in the order they were created.
import { afterEach, describe, expect, it } from 'vitest';
import type { Observation } from '../../src/model.js';
import { MIN_DEFERRED_OBSERVATIONS, shouldDeferIndexes } from '../../src/inventory/bulk-indexes.js';
import { timeOrderedDeviceId } from '../../src/inventory/device-writer.js';
import { MAX_BATCH_OBSERVATIONS, openInventory } from '../../src/inventory/index.js';
import { openSqlite } from '../../src/inventory/sqlite.js';
import { identifyDouble, neighbour, observation, silentLog, tempInventory, withRawDatabase, type TempInventory } from './inventory-helpers.js';

const SITE = 'hq';
const DEVICES = MIN_DEFERRED_OBSERVATIONS + 500;

let temp: TempInventory | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

const macOf = (index: number): string => `44:19:b6:${[(index >> 16) & 255, (index >> 8) & 255, index & 255].map((byte) => byte.toString(16).padStart(2, '0')).join(':')}`;

function neighbours(count: number, offset = 0): Observation[] {
  return Array.from({ length: count }, (_, index) => observation(neighbour(`10.30.${(index + offset) >> 8}.${(index + offset) & 255}`, macOf(index + offset)), SITE, 'import'));
}

async function importAll(current: TempInventory, scanId: string, observations: Observation[]) {
  const scan = { id: scanId, startedAt: '2025-01-01T00:00:00.000Z', scope: { import: 'test' }, channels: ['import:jsonl'] };
  let result;
  for (let start = 0; start < observations.length; start += MAX_BATCH_OBSERVATIONS) {
    const last = start + MAX_BATCH_OBSERVATIONS >= observations.length;
    result = await current.inventory.ingestBatch(
      { site: SITE, agent: 'import', scan, observations: observations.slice(start, start + MAX_BATCH_OBSERVATIONS), ...(last ? { finish: { status: 'finished' as const } } : {}) },
      { idsComputedHere: true },
    );
  }
  return result;
}

async function deviceIndexes(location: string): Promise<{ name: string; sql: string }[]> {
  return withRawDatabase(location, (db) => db.all<{ name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'devices' AND sql IS NOT NULL ORDER BY name"));
}

describe('bulk merge indexes (SQLite)', () => {
  it('a first import of thousands of devices leaves every index of devices as it was, and the planner uses them', async () => {
    temp = await tempInventory('sqlite', 'camaudit-bulk-indexes-');
    const before = await deviceIndexes(temp.path);
    expect(before.length).toBeGreaterThan(20);
    const result = await importAll(temp, 'bulk-1', neighbours(DEVICES));
    expect(result?.scanStatus).toBe('finished');
    expect(await deviceIndexes(temp.path)).toEqual(before);
    expect((await temp.inventory.listDevices({}, { limit: 1 })).total).toBe(DEVICES);
    // The rebuilt index holds every row: a page sorted by vendor is read from it, not from a sort of the table.
    const plan = await withRawDatabase(temp.path, (db) => db.all<{ detail: string }>('EXPLAIN QUERY PLAN SELECT id FROM devices ORDER BY vendor, id LIMIT 5'));
    expect(plan.map((row) => row.detail).join(' | ')).toContain('devices_sort_vendor');
    const counted = await withRawDatabase(temp.path, (db) => db.get<{ count: number }>('SELECT COUNT(*) AS count FROM devices INDEXED BY devices_sort_mac WHERE mac IS NOT NULL'));
    expect(counted?.count).toBe(DEVICES);
  }, 120_000);

  it('a bulk merge that fails half-way rolls back with the indexes in place', async () => {
    temp = await tempInventory('sqlite', 'camaudit-bulk-indexes-');
    const before = await deviceIndexes(temp.path);
    // Another connection makes the merge fail after it has dropped the indexes and written some devices.
    await withRawDatabase(temp.path, (db) =>
      db.run("CREATE TRIGGER fail_late BEFORE INSERT ON device_scans WHEN (SELECT COUNT(*) FROM device_scans) >= 100 BEGIN SELECT RAISE(ABORT, 'made to fail'); END"),
    );
    await expect(importAll(temp, 'bulk-fails', neighbours(DEVICES))).rejects.toThrow(/made to fail/);
    expect(await deviceIndexes(temp.path)).toEqual(before);
    expect((await temp.inventory.listDevices({}, { limit: 1 })).total).toBe(0);
  }, 120_000);

  it('defers only when the merge at least doubles the table', () => {
    expect(shouldDeferIndexes(MIN_DEFERRED_OBSERVATIONS, 0)).toBe(true);
    expect(shouldDeferIndexes(MIN_DEFERRED_OBSERVATIONS - 1, 0)).toBe(false);
    expect(shouldDeferIndexes(50_000, 40_000)).toBe(true);
    expect(shouldDeferIndexes(50_000, 1_000_000)).toBe(false);
  });
});

describe('time-ordered device ids', () => {
  it('are UUID version 7 and sort in the order they were made, however many in one millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => timeOrderedDeviceId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const millis = parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16);
    expect(Math.abs(millis - Date.now())).toBeLessThan(60_000);
  });

  it('a scan creates its devices with ids in the order they were written', async () => {
    temp = await tempInventory('sqlite', 'camaudit-bulk-indexes-');
    await importAll(temp, 'ordered', neighbours(50));
    const ids = (await temp.inventory.listAllDevices()).map((device) => device.id);
    expect(ids).toHaveLength(50);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });
});

describe('SQLite page cache (camaudit import asks for a small one)', () => {
  it('is what the inventory was opened with, and better-sqlite3 default otherwise', async () => {
    temp = await tempInventory('sqlite', 'camaudit-bulk-indexes-');
    const small = openSqlite(temp.path, { busyTimeoutMs: 1000, cacheKiB: 4096 });
    const plain = openSqlite(temp.path, { busyTimeoutMs: 1000 });
    try {
      expect((await small.get<{ cache_size: number }>('PRAGMA cache_size'))?.cache_size).toBe(-4096);
      expect((await plain.get<{ cache_size: number }>('PRAGMA cache_size'))?.cache_size).toBe(-16000);
    } finally {
      await small.close();
      await plain.close();
    }
    // Through openInventory too: an inventory opened with the option imports as any other.
    const inventory = await openInventory(temp.path, { identify: identifyDouble, log: silentLog, sqliteCacheKiB: 2048, mergePartObservations: 500 });
    try {
      const scanId = await inventory.beginScan({ site: SITE, agent: 'import', scope: {}, channels: [] });
      for (const item of neighbours(1200, 5000)) await inventory.recordObservation(scanId, { ...item, scanId });
      const finished = await inventory.finishScan(scanId, { status: 'finished' });
      expect(finished.newDeviceIds).toHaveLength(1200);
    } finally {
      await inventory.close();
    }
  });
});
