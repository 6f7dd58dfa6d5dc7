import type { DeviceStatus } from '../model.js';
import { DEVICE_STATUSES } from './filter.js';
import { advisoryRows } from './queries.js';
import type { SqlRunner } from './sql.js';
import { identificationFromJson } from './rows.js';

// What the planning page's overview shows, computed in SQL over the whole inventory: the covered devices per
// replacement status (in total and per site, vendor and brand), replacement progress over time rebuilt from the
// status history, and the alerts that need someone's attention.

export type StatusCounts = Record<DeviceStatus, number> & { total: number };

export interface GroupCounts {
  /** The site, vendor or brand; null when unknown. */
  name: string | null;
  counts: StatusCounts;
}

/** Counts of covered devices per status at the end of one day (UTC) on which something changed. */
export interface ProgressPoint extends StatusCounts {
  day: string;
}

/** Just enough of a device to list it under an alert and link to it. */
export interface DeviceBrief {
  id: string;
  site: string;
  ip: string;
  vendor: string | null;
  brand: string | null;
  model: string | null;
  firmware: string | null;
  status: DeviceStatus;
  covered: boolean;
  /** Why it is listed: the alert text, the advisory ids, or the scan it first appeared in. */
  detail: string | null;
}

export type AlertKind = 'seenAgain' | 'newCovered' | 'advisory' | 'cloudP2p';

export interface AlertGroup {
  kind: AlertKind;
  /** False when this camaudit cannot tell: the page says so instead of showing a reassuring 0. */
  available: boolean;
  count: number;
  /** The first devices (at most ALERT_DEVICE_LIMIT). */
  devices: DeviceBrief[];
}

export interface AdvisoryCount {
  id: string;
  title: string;
  devices: number;
}

/** Values the inventory page offers in its filters. */
export interface DeviceFacets {
  sites: string[];
  vendors: string[];
  brands: string[];
  advisories: AdvisoryCount[];
}

export interface InventoryOverview {
  devices: number;
  covered: StatusCounts;
  bySite: GroupCounts[];
  byVendor: GroupCounts[];
  byBrand: GroupCounts[];
  progress: ProgressPoint[];
  alerts: AlertGroup[];
  lastScan: { id: string; site: string; startedAt: string; finishedAt: string | null; status: string } | null;
}

export const ALERT_DEVICE_LIMIT = 20;

function emptyCounts(): StatusCounts {
  return { total: 0, found: 0, planned: 0, replaced: 0, removed: 0, exempt: 0 };
}

function isStatus(value: string): value is DeviceStatus {
  return (DEVICE_STATUSES as readonly string[]).includes(value);
}

/** A status history value is `status` or `status: reason` (see updateDevice); the status is the part before ':'. */
export function statusOfHistoryValue(value: string | null): DeviceStatus | undefined {
  if (value === null) return undefined;
  const status = value.split(':', 1)[0]!.trim();
  return isStatus(status) ? status : undefined;
}

interface HistoryEvent {
  device_id: string;
  at: string;
  kind: string;
  new_value: string | null;
}

/**
 * Replays status history into one point per day: a device counts as `found` from its creation, then as whatever
 * status it was last given. Pure, so the replay is tested apart from SQL.
 */
export function progressFromHistory(events: Iterable<HistoryEvent>): ProgressPoint[] {
  const current = new Map<string, DeviceStatus>();
  const counts = emptyCounts();
  const points: ProgressPoint[] = [];
  let day: string | undefined;
  const close = (): void => {
    if (day !== undefined) points.push({ day, ...counts });
  };
  for (const event of events) {
    const eventDay = event.at.slice(0, 10);
    if (eventDay !== day) {
      close();
      day = eventDay;
    }
    const before = current.get(event.device_id);
    let after: DeviceStatus | undefined;
    if (event.kind === 'created') after = before ?? 'found';
    else after = statusOfHistoryValue(event.new_value) ?? before;
    if (after === undefined || after === before) continue;
    if (before !== undefined) counts[before] -= 1;
    else counts.total += 1;
    counts[after] += 1;
    current.set(event.device_id, after);
  }
  close();
  return points;
}

/** A DeviceBrief as the database returns it. */
type BriefRow = Omit<DeviceBrief, 'status' | 'covered'> & { status: string; covered: number };

function briefOf(row: BriefRow): DeviceBrief {
  return {
    id: row.id,
    site: row.site,
    ip: row.ip,
    vendor: row.vendor,
    brand: row.brand,
    model: row.model,
    firmware: row.firmware,
    status: isStatus(row.status) ? row.status : 'found',
    covered: row.covered === 1,
    detail: row.detail,
  };
}

const BRIEF_COLUMNS = 'd.id, d.site, d.ip, d.vendor, d.brand, d.model, d.firmware, d.status, d.covered';

function grouped(rows: { name: string | null; status: string; count: number }[]): GroupCounts[] {
  const groups = new Map<string | null, StatusCounts>();
  for (const row of rows) {
    const counts = groups.get(row.name) ?? emptyCounts();
    if (isStatus(row.status)) counts[row.status] += row.count;
    counts.total += row.count;
    groups.set(row.name, counts);
  }
  return [...groups.entries()].map(([name, counts]) => ({ name, counts })).sort((a, b) => b.counts.total - a.counts.total || String(a.name).localeCompare(String(b.name)));
}

/** Counts are cast: PostgreSQL's COUNT is a bigint, which node-postgres reads as a string. */
const COUNT = 'CAST(COUNT(*) AS INTEGER)';

export interface OverviewOptions {
  /** Moves whenever this process has written to the inventory (store.ts counts its writes). */
  writeGeneration(): number;
}

export function createOverviewQueries(db: SqlRunner, options: OverviewOptions) {
  const advisories = advisoryRows(db.dialect, 'd.identification');
  const sql = {
    countAll: `SELECT ${COUNT} AS count FROM devices`,
    coveredGroups: `SELECT site, vendor, brand, status, ${COUNT} AS count FROM devices WHERE covered = 1 GROUP BY site, vendor, brand, status`,
    // Read in time order from the partial index device_history_progress. In SQLite the unary + keeps the planner
    // from probing the history per covered device and sorting afterwards (slower at 100,000 devices); PostgreSQL
    // has no unary + for text, and plans this well without it.
    statusEvents: `SELECT h.device_id, h.at, h.kind, h.new_value FROM device_history h
     WHERE h.kind IN ('created', 'status') AND ${db.dialect === 'sqlite' ? '+' : ''}h.device_id IN (SELECT id FROM devices WHERE covered = 1) ORDER BY h.at, h.id`,
    seenAgainCount: `SELECT ${COUNT} AS count FROM devices WHERE alert IS NOT NULL`,
    seenAgain: `SELECT ${BRIEF_COLUMNS}, d.alert AS detail FROM devices d WHERE d.alert IS NOT NULL ORDER BY d.alert_at DESC, d.id LIMIT ?`,
    finishedScans: "SELECT id, site, started_at FROM scans WHERE status IN ('finished', 'interrupted') ORDER BY site, started_at DESC, id DESC",
    createdInScan: `SELECT ${BRIEF_COLUMNS}, h.scan_id AS detail FROM device_history h JOIN devices d ON d.id = h.device_id
     WHERE h.kind = 'created' AND h.scan_id = ? AND d.covered = 1 ORDER BY d.ip, d.id`,
    // Advisories live in the identification document; advisory_count (generated from it, indexed) narrows the rows first.
    advisoryCounts: `SELECT ${advisories.id} AS id, MAX(${advisories.title}) AS title, CAST(COUNT(DISTINCT d.id) AS INTEGER) AS devices
     FROM devices d, ${advisories.from} WHERE d.advisory_count > 0 GROUP BY 1 ORDER BY 3 DESC, 1`,
    withAdvisoryCount: `SELECT ${COUNT} AS count FROM devices WHERE advisory_count > 0`,
    cloudEnabledCount: `SELECT ${COUNT} AS count FROM devices WHERE cloud = 'enabled'`,
    cloudEnabled: `SELECT ${BRIEF_COLUMNS}, d.identification FROM devices d WHERE d.cloud = 'enabled' ORDER BY d.site, d.ip, d.id LIMIT ?`,
    withAdvisory: `SELECT ${BRIEF_COLUMNS}, (SELECT string_agg(${advisories.id}, ' ') FROM ${advisories.from}) AS detail
     FROM devices d WHERE d.advisory_count > 0 ORDER BY d.site, d.ip, d.id LIMIT ?`,
    distinctSites: 'SELECT DISTINCT site AS name FROM devices ORDER BY 1',
    distinctVendors: 'SELECT DISTINCT vendor AS name FROM devices WHERE vendor IS NOT NULL ORDER BY 1',
    distinctBrands: 'SELECT DISTINCT brand AS name FROM devices WHERE brand IS NOT NULL ORDER BY 1',
    latestScan: 'SELECT id, site, started_at, finished_at, status FROM scans ORDER BY started_at DESC, id DESC LIMIT 1',
    // Writes by other processes: SQLite moves data_version when another connection commits; over PostgreSQL the
    // devices' and scans' counts and latest times stand in (every write path sets updated_at or a scan time).
    otherWriters:
      db.dialect === 'sqlite'
        ? 'PRAGMA data_version'
        : `SELECT (SELECT ${COUNT} FROM devices) AS devices, (SELECT MAX(updated_at) FROM devices) AS updated,
           (SELECT ${COUNT} FROM scans) AS scans, (SELECT MAX(COALESCE(finished_at, started_at)) FROM scans) AS scanned`,
  };

  const count = async (query: string): Promise<number> => (await db.get<{ count: number }>(query))!.count;
  const names = async (query: string): Promise<string[]> => (await db.all<{ name: string }>(query)).map((row) => row.name);

  /** Covered devices created by the latest finished scan of each site that had an earlier one (the first scan finds everything). */
  async function newCovered(): Promise<AlertGroup> {
    const scans = await db.all<{ id: string; site: string }>(sql.finishedScans);
    const latestPerSite: string[] = [];
    for (let index = 0; index < scans.length; index += 1) {
      const scan = scans[index]!;
      const firstOfSite = index === 0 || scans[index - 1]!.site !== scan.site;
      const hasEarlier = scans[index + 1]?.site === scan.site;
      if (firstOfSite && hasEarlier) latestPerSite.push(scan.id);
    }
    const rows: BriefRow[] = [];
    for (const scanId of latestPerSite) rows.push(...(await db.all<BriefRow>(sql.createdInScan, [scanId])));
    return { kind: 'newCovered', available: true, count: rows.length, devices: rows.slice(0, ALERT_DEVICE_LIMIT).map(briefOf) };
  }

  /**
   * Devices whose vendor cloud (P2P relay: Hik-Connect/Ezviz, Dahua's P2P) is switched on, as the device itself said
   * (the cloud flag of src/match/cloud.ts, kept in devices.cloud). Each one's detail names the fields that said so.
   */
  async function cloudP2p(): Promise<AlertGroup> {
    const rows = await db.all<BriefRow & { identification: string }>(sql.cloudEnabled, [ALERT_DEVICE_LIMIT]);
    return {
      kind: 'cloudP2p',
      available: true,
      count: await count(sql.cloudEnabledCount),
      devices: rows.map((row) => {
        const said = identificationFromJson(row.identification).cloud?.evidence.filter((item) => item.says === 'enabled') ?? [];
        return briefOf({ ...row, detail: said.length > 0 ? said.map((item) => `${item.field}: ${item.value}`).join('; ') : null });
      }),
    };
  }

  /**
   * Results are kept until the inventory changes: this process's writes move writeGeneration, other processes'
   * the otherWriters figures. At 100,000 devices the overview costs about a second, and the page asks for it often.
   */
  function cachedUntilWrite<T>(compute: () => Promise<T>): () => Promise<T> {
    let kept: { key: string; value: T } | undefined;
    return async () => {
      const key = `${options.writeGeneration()}:${JSON.stringify(await db.get(sql.otherWriters))}`;
      if (kept?.key !== key) kept = { key, value: await compute() };
      return kept.value;
    };
  }

  const facets = cachedUntilWrite(
    async (): Promise<DeviceFacets> => ({
      sites: await names(sql.distinctSites),
      vendors: await names(sql.distinctVendors),
      brands: await names(sql.distinctBrands),
      advisories: await db.all<AdvisoryCount>(sql.advisoryCounts),
    }),
  );

  const overview = cachedUntilWrite(async (): Promise<InventoryOverview> => {
    const rows = await db.all<{ site: string; vendor: string | null; brand: string | null; status: string; count: number }>(sql.coveredGroups);
    const covered = emptyCounts();
    for (const row of rows) {
      if (isStatus(row.status)) covered[row.status] += row.count;
      covered.total += row.count;
    }
    const last = await db.get<{ id: string; site: string; started_at: string; finished_at: string | null; status: string }>(sql.latestScan);
    return {
      devices: await count(sql.countAll),
      covered,
      bySite: grouped(rows.map((row) => ({ name: row.site, status: row.status, count: row.count }))),
      byVendor: grouped(rows.map((row) => ({ name: row.vendor, status: row.status, count: row.count }))),
      byBrand: grouped(rows.map((row) => ({ name: row.brand, status: row.status, count: row.count }))),
      progress: progressFromHistory(await db.all<HistoryEvent>(sql.statusEvents)),
      alerts: [
        {
          kind: 'seenAgain',
          available: true,
          count: await count(sql.seenAgainCount),
          devices: (await db.all<BriefRow>(sql.seenAgain, [ALERT_DEVICE_LIMIT])).map(briefOf),
        },
        await newCovered(),
        {
          kind: 'advisory',
          available: true,
          count: await count(sql.withAdvisoryCount),
          devices: (await db.all<BriefRow>(sql.withAdvisory, [ALERT_DEVICE_LIMIT])).map(briefOf),
        },
        await cloudP2p(),
      ],
      lastScan: last ? { id: last.id, site: last.site, startedAt: last.started_at, finishedAt: last.finished_at, status: last.status } : null,
    };
  });

  return { overview, facets };
}
