import type Database from 'better-sqlite3';
import { CamauditError } from '../errors.js';
import type { ProtocolName } from '../model.js';
import { deviceFromRow, historyFromRow, scanFromRow, type DeviceRow, type HistoryRow, type ScanRow } from './rows.js';
import type { DeviceFilter } from './filter.js';
import type { DeviceDetail, DevicePage, InventoryDevice, Page, ScanPage, ScanRecord, ScanStatus } from './types.js';

// The read side: filters, pages and details. Plain SQL that PostgreSQL also runs.

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;
// Observations listed in a device's detail (its evidence lives in the identification; this is the raw trail).
const DETAIL_OBSERVATION_LIMIT = 200;
// A device scanned hourly for a year has 8760 scans: a device record lists the latest ones, the detail's
// sightings list all of them.
export const MAX_SCAN_IDS_PER_DEVICE = 500;

export function normalisePage(page: Partial<Page> = {}): Page {
  const limit = Math.min(Math.max(Math.trunc(page.limit ?? DEFAULT_PAGE_LIMIT), 1), MAX_PAGE_LIMIT);
  const offset = Math.max(Math.trunc(page.offset ?? 0), 0);
  return { limit, offset };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function normaliseTime(value: string): string {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new CamauditError('CAMAUDIT_ERR_BAD_REQUEST', `"${value}" is not a date or time`);
  return time.toISOString();
}

const TEXT_COLUMNS = ['ip', 'mac', 'vendor', 'brand', 'model', 'serial', 'site', 'location', 'owner', 'notes', 'addresses'];

function whereOf(filter: DeviceFilter): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.vendor !== undefined) {
    clauses.push('LOWER(vendor) = LOWER(?)');
    params.push(filter.vendor);
  }
  if (filter.brand !== undefined) {
    clauses.push('LOWER(brand) = LOWER(?)');
    params.push(filter.brand);
  }
  if (filter.covered !== undefined) {
    clauses.push('covered = ?');
    params.push(filter.covered ? 1 : 0);
  }
  if (filter.status !== undefined) {
    clauses.push('status = ?');
    params.push(filter.status);
  }
  if (filter.site !== undefined) {
    clauses.push('site = ?');
    params.push(filter.site);
  }
  if (filter.seenSince !== undefined) {
    clauses.push('last_seen >= ?');
    params.push(normaliseTime(filter.seenSince));
  }
  if (filter.alert !== undefined) clauses.push(filter.alert ? 'alert IS NOT NULL' : 'alert IS NULL');
  if (filter.search !== undefined && filter.search.trim() !== '') {
    const pattern = `%${escapeLike(filter.search.trim().toLowerCase())}%`;
    clauses.push(`(${TEXT_COLUMNS.map((column) => `LOWER(${column}) LIKE ? ESCAPE '\\'`).join(' OR ')})`);
    for (let i = 0; i < TEXT_COLUMNS.length; i += 1) params.push(pattern);
  }
  return { sql: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export function createQueries(db: Database.Database) {
  const scanIdsOfDevice = db.prepare('SELECT scan_id FROM device_scans WHERE device_id = ? ORDER BY seen_at DESC, scan_id DESC LIMIT ?');
  const selectDevice = db.prepare('SELECT * FROM devices WHERE id = ?');
  const historyOfDevice = db.prepare('SELECT * FROM device_history WHERE device_id = ? ORDER BY at, id');
  const sightingsOfDevice = db.prepare('SELECT scan_id, ip, seen_at FROM device_scans WHERE device_id = ? ORDER BY seen_at, scan_id');
  const observationsOfDevice = db.prepare(
    `SELECT o.id, o.scan_id, o.source, o.ip, o.port, o.mac, o.observed_at FROM device_observations d
     JOIN observations o ON o.id = d.observation_id WHERE d.device_id = ? ORDER BY o.observed_at DESC, o.id LIMIT ?`,
  );
  const selectScan = db.prepare('SELECT * FROM scans WHERE id = ?');
  const countSightings = db.prepare('SELECT COUNT(*) AS count FROM observation_sightings WHERE scan_id = ?');
  const previousScan = db.prepare(
    `SELECT id FROM scans WHERE site = ? AND status = 'finished' AND (started_at < ? OR (started_at = ? AND id < ?))
     ORDER BY started_at DESC, id DESC LIMIT 1`,
  );
  const runningCount = db.prepare("SELECT COUNT(*) AS count FROM scans WHERE status = 'running'");

  function toDevice(row: DeviceRow): InventoryDevice {
    const scanIds = (scanIdsOfDevice.all(row.id, MAX_SCAN_IDS_PER_DEVICE) as { scan_id: string }[]).map((entry) => entry.scan_id).reverse();
    return deviceFromRow(row, scanIds);
  }

  function toScan(row: ScanRow): ScanRecord {
    const scan = scanFromRow(row);
    // While a scan runs its counts are not final: say how many observations it has committed so far.
    if (scan.status === 'running') scan.counts = { ...scan.counts, observations: (countSightings.get(scan.id) as { count: number }).count };
    return scan;
  }

  return {
    listDevices(filter: DeviceFilter = {}, pageRequest?: Partial<Page>): DevicePage {
      const page = normalisePage(pageRequest);
      const where = whereOf(filter);
      const total = (db.prepare(`SELECT COUNT(*) AS count FROM devices ${where.sql}`).get(...where.params) as { count: number }).count;
      const rows = db
        .prepare(`SELECT * FROM devices ${where.sql} ORDER BY last_seen DESC, id LIMIT ? OFFSET ?`)
        .all(...where.params, page.limit, page.offset) as DeviceRow[];
      return { items: rows.map(toDevice), total, ...page };
    },

    listAllDevices(filter: DeviceFilter = {}): InventoryDevice[] {
      const where = whereOf(filter);
      const rows = db.prepare(`SELECT * FROM devices ${where.sql} ORDER BY site, ip, id`).all(...where.params) as DeviceRow[];
      return rows.map(toDevice);
    },

    getDevice(id: string): InventoryDevice | undefined {
      const row = selectDevice.get(id) as DeviceRow | undefined;
      return row ? toDevice(row) : undefined;
    },

    getDeviceDetail(id: string): DeviceDetail | undefined {
      const row = selectDevice.get(id) as DeviceRow | undefined;
      if (!row) return undefined;
      return {
        device: toDevice(row),
        history: (historyOfDevice.all(id) as HistoryRow[]).map(historyFromRow),
        sightings: (sightingsOfDevice.all(id) as { scan_id: string; ip: string; seen_at: string }[]).map((entry) => ({
          scanId: entry.scan_id,
          ip: entry.ip,
          seenAt: entry.seen_at,
        })),
        observations: (
          observationsOfDevice.all(id, DETAIL_OBSERVATION_LIMIT) as {
            id: string;
            scan_id: string;
            source: string;
            ip: string;
            port: number | null;
            mac: string | null;
            observed_at: string;
          }[]
        ).map((entry) => ({
          id: entry.id,
          scanId: entry.scan_id,
          source: entry.source as ProtocolName,
          ip: entry.ip,
          port: entry.port,
          mac: entry.mac,
          observedAt: entry.observed_at,
        })),
      };
    },

    listScans(request: Partial<Page> & { status?: ScanStatus; site?: string } = {}): ScanPage {
      const page = normalisePage(request);
      const clauses: string[] = [];
      const params: unknown[] = [];
      if (request.status !== undefined) {
        clauses.push('status = ?');
        params.push(request.status);
      }
      if (request.site !== undefined) {
        clauses.push('site = ?');
        params.push(request.site);
      }
      const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
      const total = (db.prepare(`SELECT COUNT(*) AS count FROM scans ${where}`).get(...params) as { count: number }).count;
      const rows = db.prepare(`SELECT * FROM scans ${where} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`).all(...params, page.limit, page.offset) as ScanRow[];
      return { items: rows.map(toScan), total, ...page };
    },

    getScan(id: string): ScanRecord | undefined {
      const row = selectScan.get(id) as ScanRow | undefined;
      return row ? toScan(row) : undefined;
    },

    previousScanId(id: string): string | undefined {
      const row = selectScan.get(id) as ScanRow | undefined;
      if (!row) return undefined;
      const previous = previousScan.get(row.site, row.started_at, row.started_at, row.id) as { id: string } | undefined;
      return previous?.id;
    },

    isScanRunning(): boolean {
      return (runningCount.get() as { count: number }).count > 0;
    },
  };
}

export type Queries = ReturnType<typeof createQueries>;
