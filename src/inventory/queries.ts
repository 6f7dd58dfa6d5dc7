import type Database from 'better-sqlite3';
import { CamauditError } from '../errors.js';
import { deviceFromRow, historyFromRow, scanFromRow, type DeviceRow, type HistoryRow, type ScanRow } from './rows.js';
import type { DeviceFilter } from './filter.js';
import type { DeviceDetail, DeviceSighting, ObservationSummary, DevicePage, InventoryDevice, Page, ScanPage, ScanRecord, ScanStatus } from './types.js';
import { INVENTORY_LIMITS } from '../config.js';

// The read side: filters, pages and details. Plain SQL that PostgreSQL also runs.

export const DEFAULT_PAGE_LIMIT = INVENTORY_LIMITS.defaultPageLimit;
export const MAX_PAGE_LIMIT = INVENTORY_LIMITS.maxPageLimit;

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

interface Clause {
  sql: string;
  params: unknown[];
}

// One SQL condition per field of the filter's declaration (src/inventory/filter.ts); a field added there without a
// clause here does not compile.
const FILTER_CLAUSES: { [K in keyof DeviceFilter]-?: (value: NonNullable<DeviceFilter[K]>) => Clause | undefined } = {
  vendor: (vendor) => ({ sql: 'LOWER(vendor) = LOWER(?)', params: [vendor] }),
  brand: (brand) => ({ sql: 'LOWER(brand) = LOWER(?)', params: [brand] }),
  covered: (covered) => ({ sql: 'covered = ?', params: [covered ? 1 : 0] }),
  status: (status) => ({ sql: 'status = ?', params: [status] }),
  site: (site) => ({ sql: 'site = ?', params: [site] }),
  seenSince: (time) => ({ sql: 'last_seen >= ?', params: [normaliseTime(time)] }),
  alert: (alert) => ({ sql: alert ? 'alert IS NOT NULL' : 'alert IS NULL', params: [] }),
  search: (text) => {
    if (text.trim() === '') return undefined;
    const pattern = `%${escapeLike(text.trim().toLowerCase())}%`;
    return { sql: `(${TEXT_COLUMNS.map((column) => `LOWER(${column}) LIKE ? ESCAPE '\\'`).join(' OR ')})`, params: TEXT_COLUMNS.map(() => pattern) };
  },
};

function whereOf(filter: DeviceFilter): Clause {
  const clauses: Clause[] = [];
  for (const key of Object.keys(FILTER_CLAUSES) as (keyof DeviceFilter)[]) {
    const value = filter[key];
    if (value === undefined) continue;
    const clause = (FILTER_CLAUSES[key] as (value: unknown) => Clause | undefined)(value);
    if (clause) clauses.push(clause);
  }
  return { sql: clauses.length > 0 ? `WHERE ${clauses.map((clause) => clause.sql).join(' AND ')}` : '', params: clauses.flatMap((clause) => clause.params) };
}

export function createQueries(db: Database.Database) {
  const scanIdsOfDevice = db.prepare('SELECT scan_id FROM device_scans WHERE device_id = ? ORDER BY seen_at DESC, scan_id DESC LIMIT ?');
  const selectDevice = db.prepare('SELECT * FROM devices WHERE id = ?');
  const historyOfDevice = db.prepare('SELECT * FROM device_history WHERE device_id = ? ORDER BY at, id');
  const sightingsOfDevice = db.prepare('SELECT scan_id AS scanId, ip, seen_at AS seenAt FROM device_scans WHERE device_id = ? ORDER BY seen_at, scan_id');
  const observationsOfDevice = db.prepare(
    `SELECT o.id, o.scan_id AS scanId, o.source, o.ip, o.port, o.mac, o.observed_at AS observedAt FROM device_observations d
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
    const scanIds = (scanIdsOfDevice.all(row.id, INVENTORY_LIMITS.maxScanIdsPerDevice) as { scan_id: string }[]).map((entry) => entry.scan_id).reverse();
    return deviceFromRow(row, scanIds);
  }

  function toScan(row: ScanRow): ScanRecord {
    const scan = scanFromRow(row);
    // While a scan runs its counts are not final: say how many observations it has committed so far.
    if (scan.status === 'running') scan.counts = { ...scan.counts, observations: (countSightings.get(scan.id) as { count: number }).count };
    return scan;
  }

  const getDevice = (id: string): InventoryDevice | undefined => {
    const row = selectDevice.get(id) as DeviceRow | undefined;
    return row ? toDevice(row) : undefined;
  };

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

    getDevice,

    getDeviceDetail(id: string): DeviceDetail | undefined {
      const device = getDevice(id);
      if (!device) return undefined;
      return {
        device,
        history: (historyOfDevice.all(id) as HistoryRow[]).map(historyFromRow),
        sightings: sightingsOfDevice.all(id) as DeviceSighting[],
        observations: observationsOfDevice.all(id, INVENTORY_LIMITS.detailObservations) as ObservationSummary[],
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
