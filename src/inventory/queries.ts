import { CamauditError } from '../errors.js';
import type { DeviceStatus } from '../model.js';
import { INVENTORY_LIMITS } from '../config.js';
import { DEVICE_STATUSES, type DeviceFilter } from './filter.js';
import { deviceFromRow, historyFromRow, scanFromRow, type DeviceRow, type HistoryRow, type ScanRow } from './rows.js';
import { placeholders, type Dialect, type SqlRunner, type SqlValue } from './sql.js';
import type { DeviceDetail, DevicePage, DeviceSort, DeviceSortKey, DeviceSighting, InventoryDevice, ObservationSummary, Page, ScanPage, ScanRecord, ScanStatus, SiteSummary } from './types.js';

// The read side: filters, pages and details. Plain SQL that SQLite and PostgreSQL both run.

export const DEFAULT_PAGE_LIMIT = INVENTORY_LIMITS.defaultPageLimit;
export const MAX_PAGE_LIMIT = INVENTORY_LIMITS.maxPageLimit;
// Devices read per query while streaming an export: memory holds one page, whatever the inventory's size.
export const STREAM_PAGE_SIZE = 500;

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
  params: SqlValue[];
}

/**
 * The identification's advisories as rows of a table named `a`, and the SQL of one advisory's id and title there:
 * SQLite's json_each, PostgreSQL's jsonb_array_elements (identification is JSON text in both). Empty when
 * `advisories` is not an array, as advisory_count is then null.
 */
export function advisoryRows(dialect: Dialect, identification: string): { from: string; id: string; title: string } {
  if (dialect === 'sqlite') {
    return { from: `json_each(${identification}, '$.advisories') a`, id: "json_extract(a.value, '$.id')", title: "json_extract(a.value, '$.title')" };
  }
  const array = `${identification}::jsonb -> 'advisories'`;
  return {
    from: `jsonb_array_elements(CASE jsonb_typeof(${array}) WHEN 'array' THEN ${array} ELSE '[]'::jsonb END) a(value)`,
    id: "a.value ->> 'id'",
    title: "a.value ->> 'title'",
  };
}

// One SQL condition per field of the filter's declaration (src/inventory/filter.ts); a field added there without a
// clause here does not compile.
const FILTER_CLAUSES: { [K in keyof DeviceFilter]-?: (value: NonNullable<DeviceFilter[K]>, dialect: Dialect) => Clause | undefined } = {
  vendor: (vendor) => ({ sql: 'LOWER(vendor) = LOWER(?)', params: [vendor] }),
  brand: (brand) => ({ sql: 'LOWER(brand) = LOWER(?)', params: [brand] }),
  covered: (covered) => ({ sql: 'covered = ?', params: [covered ? 1 : 0] }),
  status: (status) => ({ sql: 'status = ?', params: [status] }),
  site: (site) => ({ sql: 'site = ?', params: [site] }),
  seenSince: (time) => ({ sql: 'last_seen >= ?', params: [normaliseTime(time)] }),
  alert: (alert) => ({ sql: alert ? 'alert IS NOT NULL' : 'alert IS NULL', params: [] }),
  via: (deviceId) => ({ sql: 'via_device_id = ?', params: [deviceId] }),
  cloud: (state) => ({ sql: 'cloud = ?', params: [state] }),
  // advisory_count is generated from the identification (schema migration 6); one id looks into the document.
  advisory: (advisory, dialect) => {
    if (advisory === 'any') return { sql: 'advisory_count > 0', params: [] };
    if (advisory === 'none') return { sql: '(advisory_count = 0 OR advisory_count IS NULL)', params: [] };
    const rows = advisoryRows(dialect, 'identification');
    return { sql: `advisory_count > 0 AND EXISTS (SELECT 1 FROM ${rows.from} WHERE ${rows.id} = ?)`, params: [advisory] };
  },
  search: (text) => {
    if (text.trim() === '') return undefined;
    const pattern = `%${escapeLike(text.trim().toLowerCase())}%`;
    return { sql: `(${TEXT_COLUMNS.map((column) => `LOWER(${column}) LIKE ? ESCAPE '\\'`).join(' OR ')})`, params: TEXT_COLUMNS.map(() => pattern) };
  },
};

function whereOf(filter: DeviceFilter, dialect: Dialect): { clauses: string[]; sql: string; params: SqlValue[] } {
  const clauses: Clause[] = [];
  for (const key of Object.keys(FILTER_CLAUSES) as (keyof DeviceFilter)[]) {
    const value = filter[key];
    if (value === undefined) continue;
    const clause = (FILTER_CLAUSES[key] as (value: unknown, dialect: Dialect) => Clause | undefined)(value, dialect);
    if (clause) clauses.push(clause);
  }
  const sql = clauses.map((clause) => clause.sql);
  return { clauses: sql, sql: sql.length > 0 ? `WHERE ${sql.join(' AND ')}` : '', params: clauses.flatMap((clause) => clause.params) };
}

/** Columns a device list may be sorted by (keys of the export's columns), each with an index ending in id. */
export const DEVICE_SORT_COLUMNS: Readonly<Record<DeviceSortKey, string>> = {
  site: 'site',
  location: 'location',
  ip: 'ip',
  mac: 'mac',
  vendor: 'vendor',
  brand: 'brand',
  model: 'model',
  firmware: 'firmware',
  serial: 'serial',
  covered: 'covered',
  confidence: 'confidence',
  firstSeen: 'first_seen',
  lastSeen: 'last_seen',
  status: 'status',
  owner: 'owner',
};

function orderOf(sort: DeviceSort | undefined): string {
  if (sort === undefined) return 'last_seen DESC, id';
  const column = DEVICE_SORT_COLUMNS[sort.key];
  if (column === undefined) throw new CamauditError('CAMAUDIT_ERR_BAD_REQUEST', `cannot sort by "${String(sort.key)}"`);
  const direction = sort.descending ? 'DESC' : 'ASC';
  return `${column} ${direction}, id ${direction}`;
}

/**
 * The ids of one page of devices. With a filter, the ids that match are gathered first (from the filters'
 * indexes), and the page is then read in order from the sort column's index, keeping the ids in that set: no row
 * is read and nothing is sorted, whatever the filter. (Filtering the rows directly made SQLite sort every
 * matching row by a column it had to read from the row: seconds at 100,000 devices.) Comparing `id || ''`, not
 * `id`, keeps SQLite from turning the set into lookups by id followed by a sort (PostgreSQL runs it as well).
 */
export function pageIdsQuery(filter: DeviceFilter, sort: DeviceSort | undefined, page: Page, dialect: Dialect): { sql: string; params: SqlValue[] } {
  const where = whereOf(filter, dialect);
  const matching = where.sql === '' ? '' : `WHERE (id || '') IN (SELECT id FROM devices ${where.sql})`;
  return { sql: `SELECT id FROM devices ${matching} ORDER BY ${orderOf(sort)} LIMIT ? OFFSET ?`, params: [...where.params, page.limit, page.offset] };
}

const SCAN_IDS_OF_DEVICES = (count: number): string =>
  `SELECT device_id, scan_id FROM (
     SELECT device_id, scan_id, ROW_NUMBER() OVER (PARTITION BY device_id ORDER BY seen_at DESC, scan_id DESC) AS n
     FROM device_scans WHERE device_id IN (${placeholders(count)})
   ) ranked WHERE n <= ${INVENTORY_LIMITS.maxScanIdsPerDevice} ORDER BY device_id, n DESC`;
const HISTORY_OF_DEVICE = 'SELECT * FROM device_history WHERE device_id = ? ORDER BY at, id';
// Aliases in double quotes: read straight into the API's shapes, and PostgreSQL keeps their case only when quoted.
const SIGHTINGS_OF_DEVICE = 'SELECT scan_id AS "scanId", ip, seen_at AS "seenAt" FROM device_scans WHERE device_id = ? ORDER BY seen_at, scan_id';
const OBSERVATIONS_OF_DEVICE = `SELECT o.id, o.scan_id AS "scanId", o.source, o.ip, o.port, o.mac, o.observed_at AS "observedAt" FROM device_observations d
     JOIN observations o ON o.id = d.observation_id WHERE d.device_id = ? ORDER BY o.observed_at DESC, o.id LIMIT ?`;
const COUNT_SIGHTINGS = 'SELECT CAST(COUNT(*) AS INTEGER) AS count FROM observation_sightings WHERE scan_id = ?';
const PREVIOUS_SCAN = `SELECT id FROM scans WHERE site = ? AND status = 'finished' AND (started_at < ? OR (started_at = ? AND id < ?))
     ORDER BY started_at DESC, id DESC LIMIT 1`;
// Scans pushed by agents run elsewhere: only scans this database's own processes run block POST /scans.
const RUNNING_COUNT = "SELECT CAST(COUNT(*) AS INTEGER) AS count FROM scans WHERE status = 'running' AND runner NOT LIKE 'push:%'";

export function createQueries(db: SqlRunner, now: () => string) {
  async function toDevices(rows: readonly DeviceRow[]): Promise<InventoryDevice[]> {
    if (rows.length === 0) return [];
    const scanIds = new Map<string, string[]>();
    for (const entry of await db.all<{ device_id: string; scan_id: string }>(SCAN_IDS_OF_DEVICES(rows.length), rows.map((row) => row.id))) {
      const list = scanIds.get(entry.device_id) ?? [];
      list.push(entry.scan_id);
      scanIds.set(entry.device_id, list);
    }
    return rows.map((row) => deviceFromRow(row, scanIds.get(row.id) ?? []));
  }

  async function toScan(row: ScanRow): Promise<ScanRecord> {
    const scan = scanFromRow(row);
    // While a scan runs its counts are not final: say how many observations it has committed so far.
    if (scan.status === 'running') scan.counts = { ...scan.counts, observations: (await db.get<{ count: number }>(COUNT_SIGHTINGS, [scan.id]))!.count };
    return scan;
  }

  async function getDevice(id: string): Promise<InventoryDevice | undefined> {
    const row = await db.get<DeviceRow>('SELECT * FROM devices WHERE id = ?', [id]);
    return row ? (await toDevices([row]))[0] : undefined;
  }

  /** The filter is checked now, before the first byte is sent: a bad one is a 400, not a broken stream. */
  function streamDevices(filter: DeviceFilter = {}): AsyncGenerator<InventoryDevice> {
    return pages(whereOf(filter, db.dialect));
  }

  async function* pages(where: ReturnType<typeof whereOf>): AsyncGenerator<InventoryDevice> {
    let after: [string, string, string] | undefined;
    for (;;) {
      const clauses = after ? [...where.clauses, '(site > ? OR (site = ? AND (ip > ? OR (ip = ? AND id > ?))))'] : where.clauses;
      const params = after ? [...where.params, after[0], after[0], after[1], after[1], after[2]] : where.params;
      const rows = await db.all<DeviceRow>(
        `SELECT * FROM devices ${clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY site, ip, id LIMIT ${STREAM_PAGE_SIZE}`,
        params,
      );
      for (const device of await toDevices(rows)) yield device;
      if (rows.length < STREAM_PAGE_SIZE) return;
      const last = rows[rows.length - 1]!;
      after = [last.site, last.ip, last.id];
    }
  }

  return {
    async listDevices(filter: DeviceFilter = {}, pageRequest?: Partial<Page>, sort?: DeviceSort): Promise<DevicePage> {
      const page = normalisePage(pageRequest);
      const where = whereOf(filter, db.dialect);
      const total = (await db.get<{ count: number }>(`SELECT CAST(COUNT(*) AS INTEGER) AS count FROM devices ${where.sql}`, where.params))!.count;
      // The page's ids first, from the indexes alone; then only those rows, whose identification documents are large.
      const idsQuery = pageIdsQuery(filter, sort, page, db.dialect);
      const ids = (await db.all<{ id: string }>(idsQuery.sql, idsQuery.params)).map((row) => row.id);
      const byId = new Map<string, DeviceRow>();
      if (ids.length > 0) {
        for (const row of await db.all<DeviceRow>(`SELECT * FROM devices WHERE id IN (${placeholders(ids.length)})`, ids)) byId.set(row.id, row);
      }
      const rows = ids.map((id) => byId.get(id)).filter((row): row is DeviceRow => row !== undefined);
      return { items: await toDevices(rows), total, ...page };
    },

    async listAllDevices(filter: DeviceFilter = {}): Promise<InventoryDevice[]> {
      const devices: InventoryDevice[] = [];
      for await (const device of streamDevices(filter)) devices.push(device);
      return devices;
    },

    streamDevices,
    getDevice,

    async getDeviceDetail(id: string): Promise<DeviceDetail | undefined> {
      const device = await getDevice(id);
      if (!device) return undefined;
      return {
        device,
        history: (await db.all<HistoryRow>(HISTORY_OF_DEVICE, [id])).map(historyFromRow),
        sightings: await db.all<DeviceSighting>(SIGHTINGS_OF_DEVICE, [id]),
        observations: await db.all<ObservationSummary>(OBSERVATIONS_OF_DEVICE, [id, INVENTORY_LIMITS.detailObservations]),
      };
    },

    async listScans(request: Partial<Page> & { status?: ScanStatus; site?: string } = {}): Promise<ScanPage> {
      const page = normalisePage(request);
      const clauses: string[] = [];
      const params: SqlValue[] = [];
      if (request.status !== undefined) {
        clauses.push('status = ?');
        params.push(request.status);
      }
      if (request.site !== undefined) {
        clauses.push('site = ?');
        params.push(request.site);
      }
      const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
      const total = (await db.get<{ count: number }>(`SELECT CAST(COUNT(*) AS INTEGER) AS count FROM scans ${where}`, params))!.count;
      const rows = await db.all<ScanRow>(`SELECT * FROM scans ${where} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`, [...params, page.limit, page.offset]);
      const items: ScanRecord[] = [];
      for (const row of rows) items.push(await toScan(row));
      return { items, total, ...page };
    },

    async getScan(id: string): Promise<ScanRecord | undefined> {
      const row = await db.get<ScanRow>('SELECT * FROM scans WHERE id = ?', [id]);
      return row ? toScan(row) : undefined;
    },

    async previousScanId(id: string): Promise<string | undefined> {
      const row = await db.get<ScanRow>('SELECT * FROM scans WHERE id = ?', [id]);
      if (!row) return undefined;
      const previous = await db.get<{ id: string }>(PREVIOUS_SCAN, [row.site, row.started_at, row.started_at, row.id]);
      return previous?.id;
    },

    async isScanRunning(): Promise<boolean> {
      return (await db.get<{ count: number }>(RUNNING_COUNT))!.count > 0;
    },

    async listSites(filter: { site?: string } = {}): Promise<SiteSummary[]> {
      const where = filter.site !== undefined ? 'WHERE site = ?' : '';
      const params = filter.site !== undefined ? [filter.site] : [];
      const counts = await db.all<{ site: string; status: DeviceStatus; devices: number; covered: number }>(
        `SELECT site, status, CAST(COUNT(*) AS INTEGER) AS devices, CAST(SUM(covered) AS INTEGER) AS covered FROM devices ${where} GROUP BY site, status`,
        params,
      );
      const pushes = await db.all<{ name: string; agent: string | null; agent_version: string | null; last_push_at: string | null; scan_every_s: number | null }>(
        `SELECT name, agent, agent_version, last_push_at, scan_every_s FROM sites ${filter.site !== undefined ? 'WHERE name = ?' : ''}`,
        params,
      );
      const sites = new Map<string, SiteSummary>();
      const siteOf = (name: string): SiteSummary => {
        let site = sites.get(name);
        if (!site) {
          const byStatus = Object.fromEntries(DEVICE_STATUSES.map((status) => [status, 0])) as Record<DeviceStatus, number>;
          site = { site: name, devices: 0, covered: 0, byStatus, agent: null, agentVersion: null, lastPushAt: null, scanEverySeconds: null, overdue: false };
          sites.set(name, site);
        }
        return site;
      };
      for (const row of counts) {
        const site = siteOf(row.site);
        site.devices += row.devices;
        site.covered += row.covered ?? 0;
        site.byStatus[row.status] = (site.byStatus[row.status] ?? 0) + row.devices;
      }
      const nowMs = Date.parse(now());
      for (const row of pushes) {
        const site = siteOf(row.name);
        site.agent = row.agent;
        site.agentVersion = row.agent_version;
        site.lastPushAt = row.last_push_at;
        site.scanEverySeconds = row.scan_every_s;
        if (row.last_push_at !== null && row.scan_every_s !== null && row.scan_every_s > 0) {
          site.overdue = nowMs - Date.parse(row.last_push_at) > 2 * row.scan_every_s * 1000;
        }
      }
      return [...sites.values()].sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : 0));
    },
  };
}

export type Queries = ReturnType<typeof createQueries>;
