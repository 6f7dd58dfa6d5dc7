import { CamauditError } from '../errors.js';
import type { SqlRunner } from './sql.js';
import type { DiffChange, DiffEntry, ScanDiff } from './types.js';

// What changed between two scans, from the per-scan snapshot each device got in device_scans (read straight into
// DiffEntry's shape): a device in the later scan only is new, in the earlier only is gone, in both with another
// address, MAC, firmware or identification is changed. Devices are compared by id, so a re-addressed device is one
// change, not new + gone.

function identificationLabel(entry: DiffEntry): string | null {
  const label = [entry.vendor, entry.brand, entry.model].map((part) => part ?? '').join('/');
  return label === '//' ? null : label;
}

/** Differences of one device between two snapshots; a value that went unknown is not a change. */
export function changesBetween(before: DiffEntry, after: DiffEntry): DiffChange[] {
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

// The alias in double quotes: PostgreSQL keeps its case only when quoted.
const SNAPSHOT = 'SELECT device_id AS "deviceId", ip, mac, vendor, brand, model, firmware FROM device_scans WHERE scan_id = ? ORDER BY ip, device_id';

export function createDiff(db: SqlRunner) {
  return async function diffScans(fromId: string, toId: string): Promise<ScanDiff> {
    for (const id of [fromId, toId]) {
      if (!(await db.get('SELECT id FROM scans WHERE id = ?', [id]))) throw new CamauditError('CAMAUDIT_ERR_NOT_FOUND', `no scan with id ${id}`);
    }
    const before = new Map((await db.all<DiffEntry>(SNAPSHOT, [fromId])).map((entry) => [entry.deviceId, entry]));
    const after = await db.all<DiffEntry>(SNAPSHOT, [toId]);
    const diff: ScanDiff = { from: fromId, to: toId, new: [], gone: [], changed: [], unchanged: 0 };
    const seenAfter = new Set<string>();
    for (const entry of after) {
      seenAfter.add(entry.deviceId);
      const previous = before.get(entry.deviceId);
      if (!previous) {
        diff.new.push(entry);
        continue;
      }
      const changes = changesBetween(previous, entry);
      if (changes.length > 0) diff.changed.push({ ...entry, changes });
      else diff.unchanged += 1;
    }
    for (const [deviceId, entry] of before) if (!seenAfter.has(deviceId)) diff.gone.push(entry);
    return diff;
  };
}
