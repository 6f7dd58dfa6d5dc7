// A scan's "running" state rests on its writer's heartbeat, not on a PID: after a crash the PID may belong to
// another live process, which made the scan look alive forever (and POST /scans answer 409 forever).
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { openInventory } from '../../src/inventory/index.js';
import { HEARTBEAT_MS, SCAN_LEASE_MS } from '../../src/inventory/store.js';
import { identifyDouble, silentLog, storeKinds, tempInventory, withRawDatabase, type TempInventory } from './inventory-helpers.js';

let temp: TempInventory;
afterEach(async () => temp.cleanup());

const start = { site: 'hq', agent: 'a', scope: { cidrs: ['10.0.0.0/24'] }, channels: ['banner'] };
// PID 1 is alive on every Linux host: the crashed writer's PID, reused.
const reusedPid = `${hostname()}:1`;

/** Rewrites a scan row as a crashed process would have left it. */
async function leaveAsCrashed(location: string, scanId: string, heartbeatAt: string): Promise<void> {
  await withRawDatabase(location, (db) => db.run('UPDATE scans SET runner = ?, heartbeat_at = ? WHERE id = ?', [reusedPid, heartbeatAt, scanId]));
}

async function heartbeatOf(location: string, scanId: string): Promise<string> {
  const row = await withRawDatabase(location, (db) => db.get<{ heartbeat_at: string }>('SELECT heartbeat_at FROM scans WHERE id = ?', [scanId]));
  return row!.heartbeat_at;
}

describe.each(storeKinds('inventory-lease'))('%s store: scan liveness', (kind) => {
  it('a scan whose PID now belongs to a live process, but whose heartbeat is stale, is interrupted and blocks nothing', async () => {
    temp = await tempInventory(kind);
    const scanId = await temp.inventory.beginScan(start);
    await temp.inventory.close();
    await leaveAsCrashed(temp.path, scanId, new Date(Date.now() - SCAN_LEASE_MS - 60_000).toISOString());
    const inventory = await temp.reopen();
    expect((await inventory.getScan(scanId))?.status).toBe('interrupted');
    expect(await inventory.isScanRunning()).toBe(false);
  });

  it('a scan with a fresh heartbeat is running, in another handle too; once the beats stop it is interrupted', async () => {
    temp = await tempInventory(kind);
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const now = (): Date => new Date(clock);
    const writer = await openInventory(temp.path, { identify: identifyDouble, log: silentLog, now });
    const scanId = await writer.beginScan(start);
    await leaveAsCrashed(temp.path, scanId, now().toISOString());
    const reader = await openInventory(temp.path, { identify: identifyDouble, log: silentLog, now });
    try {
      expect((await reader.getScan(scanId))?.status).toBe('running');
      expect(await reader.isScanRunning()).toBe(true);
      // The writer dies without a word: no more heartbeats. Within the lease the scan still counts as running.
      await writer.close();
      clock += SCAN_LEASE_MS - HEARTBEAT_MS;
      expect(await reader.isScanRunning()).toBe(true);
      clock += 2 * HEARTBEAT_MS;
      expect(await reader.isScanRunning()).toBe(false);
      expect((await reader.getScan(scanId))?.status).toBe('interrupted');
    } finally {
      await reader.close();
    }
  });

  it('the writer renews its heartbeat while the scan runs', async () => {
    temp = await tempInventory(kind);
    const scanId = await temp.inventory.beginScan(start);
    const first = await heartbeatOf(temp.path, scanId);
    await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS + 500));
    expect(Date.parse(await heartbeatOf(temp.path, scanId))).toBeGreaterThan(Date.parse(first));
    await temp.inventory.finishScan(scanId, { status: 'finished' });
  }, 20_000);
});
