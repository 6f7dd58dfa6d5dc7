// No data lost: the real CLI scans part of the lab, is killed with SIGKILL once the inventory holds some of
// its observations, and the next run of the real CLI finds a database that opens, holds every observation that was
// committed before the kill, and lists that scan as interrupted (its observations merged into devices).
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { InventoryDevice, ScanRecord } from '../../src/inventory/index.js';
import { LAN_CIDR, useLab } from './harness/index.js';

const lab = useLab('KILL-SCAN', { cli: true, profiles: ['hik-ipc', 'dahua-ipc', 'axis-cam', 'lts-ipc'] });
/** Observations the scan must have committed before it is killed: some, not all (a full scan of the lab has ~40). */
const KILL_AFTER_OBSERVATIONS = 3;
const POLL_INTERVAL_MS = 25;
const WAIT_FOR_OBSERVATIONS_MS = 30_000;

interface Committed {
  scanId: string;
  status: string;
  observationIds: string[];
  ips: string[];
}

/** What the scan has committed so far, read as any other SQLite client would (WAL: readers never block the writer). */
function readCommitted(path: string): Committed | undefined {
  if (!existsSync(path)) return undefined;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const scan = db.prepare('SELECT id, status FROM scans ORDER BY started_at DESC LIMIT 1').get() as { id: string; status: string } | undefined;
    if (!scan) return undefined;
    const rows = db.prepare('SELECT id, ip FROM observations WHERE scan_id = ?').all(scan.id) as { id: string; ip: string }[];
    return { scanId: scan.id, status: scan.status, observationIds: rows.map((row) => row.id), ips: [...new Set(rows.map((row) => row.ip))] };
  } catch {
    // The writer is still creating the schema: not readable yet, try again.
    return undefined;
  } finally {
    db?.close();
  }
}

describe.runIf(lab.enabled)('kill -9 in the middle of a real scan', () => {
  it('leaves a database that opens, holds what was committed, and marks the scan interrupted', async () => {
    const database = lab.workPath('inventory.sqlite');
    const scan = lab.spawnCamaudit(['scan', '--cidr', LAN_CIDR, '--db', database, '--json']);
    let stderr = '';
    scan.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
    scan.stdout?.resume();
    const exited = once(scan, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

    let beforeKill: Committed | undefined;
    const deadline = performance.now() + WAIT_FOR_OBSERVATIONS_MS;
    while (performance.now() < deadline && scan.exitCode === null) {
      const committed = readCommitted(database);
      if (committed && committed.status === 'running' && committed.observationIds.length >= KILL_AFTER_OBSERVATIONS) {
        beforeKill = committed;
        // `ip netns exec` execs node, so this PID is the scan itself.
        scan.kill('SIGKILL');
        break;
      }
      await sleep(POLL_INTERVAL_MS);
    }
    const [code, signal] = await exited;
    expect(beforeKill, `the scan never committed ${KILL_AFTER_OBSERVATIONS} observations while running (exit ${code}): ${stderr}`).toBeDefined();
    expect(signal).toBe('SIGKILL');
    process.stderr.write(`kill-scan: killed with ${beforeKill!.observationIds.length} observations from ${beforeKill!.ips.length} addresses committed\n`);

    // The next start of the real CLI: it opens the file, sees a running scan whose process is gone, and closes it.
    const listed = await lab.runCamaudit(['scans', '--json', '--db', database]);
    expect(listed.code, listed.stderr).toBe(0);
    const scans = JSON.parse(listed.stdout) as ScanRecord[];
    const record = scans.find((entry) => entry.id === beforeKill!.scanId);
    expect(record?.status).toBe('interrupted');
    expect(record?.finishedAt).toBeTruthy();
    expect(Number(record?.counts.observations)).toBeGreaterThanOrEqual(beforeKill!.observationIds.length);

    // Everything committed before the kill is still there, and the file is sound.
    const db = new Database(database, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const ids = new Set((db.prepare('SELECT id FROM observations WHERE scan_id = ?').all(beforeKill!.scanId) as { id: string }[]).map((row) => row.id));
      for (const id of beforeKill!.observationIds) expect(ids.has(id), id).toBe(true);
    } finally {
      db.close();
    }

    // The interrupted scan's observations were merged: every address it had heard from is a device.
    const devices = await lab.runCamaudit(['devices', '--json', '--db', database]);
    expect(devices.code, devices.stderr).toBe(0);
    const ips = (JSON.parse(devices.stdout) as InventoryDevice[]).flatMap((device) => [device.ip, ...device.addresses]);
    for (const ip of beforeKill!.ips) expect(ips, ip).toContain(ip);
  });
});
