import type Database from 'better-sqlite3';
import { CamauditError } from '../errors.js';
import type { DiffChange, DiffEntry, ScanDiff } from './types.js';

// What changed between two scans, from the per-scan snapshot each device got in device_scans: a device in the
// later scan only is new, in the earlier only is gone, in both with another address, MAC, firmware or
// identification is changed. Devices are compared by id, so a re-addressed device is one change, not new + gone.

interface SnapshotRow {
  device_id: string;
  ip: string;
  mac: string | null;
  vendor: string | null;
  brand: string | null;
  model: string | null;
  firmware: string | null;
}

function entryOf(row: SnapshotRow): DiffEntry {
  return { deviceId: row.device_id, ip: row.ip, mac: row.mac, vendor: row.vendor, brand: row.brand, model: row.model, firmware: row.firmware };
}

function identificationLabel(row: SnapshotRow): string | null {
  const label = [row.vendor, row.brand, row.model].map((part) => part ?? '').join('/');
  return label === '//' ? null : label;
}

/** Differences of one device between two snapshots; a value that went unknown is not a change. */
export function changesBetween(before: SnapshotRow, after: SnapshotRow): DiffChange[] {
  const changes: DiffChange[] = [];
  if (before.ip !== after.ip) changes.push({ field: 'address', before: before.ip, after: after.ip });
  if (before.mac !== null && after.mac !== null && before.mac !== after.mac) changes.push({ field: 'mac', before: before.mac, after: after.mac });
  if (before.firmware !== null && after.firmware !== null && before.firmware !== after.firmware) {
    changes.push({ field: 'firmware', before: before.firmware, after: after.firmware });
  }
  const labelBefore = identificationLabel(before);
  const labelAfter = identificationLabel(after);
  if (labelAfter !== null && labelBefore !== labelAfter) changes.push({ field: 'identification', before: labelBefore, after: labelAfter });
  return changes;
}

export function createDiff(db: Database.Database) {
  const snapshot = db.prepare('SELECT device_id, ip, mac, vendor, brand, model, firmware FROM device_scans WHERE scan_id = ? ORDER BY ip, device_id');
  const scanExists = db.prepare('SELECT id FROM scans WHERE id = ?');

  return function diffScans(fromId: string, toId: string): ScanDiff {
    for (const id of [fromId, toId]) {
      if (!scanExists.get(id)) throw new CamauditError('CAMAUDIT_ERR_NOT_FOUND', `no scan with id ${id}`);
    }
    const before = new Map((snapshot.all(fromId) as SnapshotRow[]).map((row) => [row.device_id, row]));
    const after = snapshot.all(toId) as SnapshotRow[];
    const diff: ScanDiff = { from: fromId, to: toId, new: [], gone: [], changed: [], unchanged: 0 };
    const seenAfter = new Set<string>();
    for (const row of after) {
      seenAfter.add(row.device_id);
      const previous = before.get(row.device_id);
      if (!previous) {
        diff.new.push(entryOf(row));
        continue;
      }
      const changes = changesBetween(previous, row);
      if (changes.length > 0) diff.changed.push({ ...entryOf(row), changes });
      else diff.unchanged += 1;
    }
    for (const [deviceId, row] of before) if (!seenAfter.has(deviceId)) diff.gone.push(entryOf(row));
    return diff;
  };
}
