import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CamauditError } from '../errors.js';
import type { Observation } from '../model.js';
import { deferDeviceIndexes } from './bulk-indexes.js';
import { createDeviceWriter } from './device-writer.js';
import { createDiff } from './diff.js';
import { createIngest, validateObservation } from './ingest.js';
import { claimEvidenceOfKeyed, groupKeyedObservations } from './merge.js';
import { readScanParts } from './merge-parts.js';
import { createOverviewQueries } from './overview.js';
import { isPostgresUrl, openPostgres } from './postgres.js';
import { createQueries } from './queries.js';
import { type DeviceRow, type ScanRow } from './rows.js';
import { paddedTo, type SqlDatabase, type SqlRunner, type SqlValue } from './sql.js';
import { openSqlite } from './sqlite.js';
import { observationRow, SQL } from './statements.js';
import { createTokenStore } from './tokens.js';
import { DEVICE_STATUSES } from './filter.js';
import { INVENTORY_LIMITS } from '../config.js';
import { type DevicePatch, type FinishedScan, type FinishedScanCounts, type Inventory, type InventoryDevice, type InventoryOptions, type ScanFinish, type ScanStart } from './types.js';

// The inventory: one SQLite file on a single machine, or a PostgreSQL database for a central server that agents
// push to (issue 18); the same code over both (sql.ts). Writes are small transactions committed at once, so that
// a scan killed half-way leaves every observation it had recorded.
//
// Merging happens at finishScan, not per observation: only then does the scan hold all it will learn about an
// address (the neighbour table, which lends MACs to banners, is read last), so grouping once with everything is
// both cheaper and right more often than re-merging live. Progress during a scan is the count of committed
// observations, which getScan reports for a running scan.

// PostgreSQL: merges of different scans touch the same device keys (a device that moved); one at a time.
const MERGE_LOCK_KEY = 7370_0002;
/** Runner of a scan that an agent pushed: it runs elsewhere, so no process here can tell it died. */
export const PUSH_RUNNER_PREFIX = 'push:';
/** Device ids bound per query when alerted devices are counted (padded to this: one prepared statement). */
const IDS_PER_QUERY = 200;

// Whether a scan recorded as running still has a writer rests on its heartbeat: the writer renews heartbeat_at
// every HEARTBEAT_MS, and a scan whose heartbeat is older than SCAN_LEASE_MS is no longer running. The PID in
// `runner` only shortens the wait: a process of this host that is certainly gone frees its scan at once, but a
// live process with that PID proves nothing (PIDs are reused after a crash).
export const HEARTBEAT_MS = 5000;
export const SCAN_LEASE_MS = 120_000;

/** `host:pid` of this process, stored on each scan for the log and for the fast check below. */
function runnerOfThisProcess(): string {
  return `${hostname()}:${process.pid}`;
}

/** True only when the runner was a process of this host that no longer exists. */
function runnerIsCertainlyGone(runner: string): boolean {
  const separator = runner.lastIndexOf(':');
  const host = runner.slice(0, separator);
  const pid = Number(runner.slice(separator + 1));
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Opens the inventory at a file path (SQLite) or a postgres:// URL (PostgreSQL), migrating it to this version. */
export async function openInventory(location: string, options: InventoryOptions): Promise<Inventory> {
  const db = isPostgresUrl(location)
    ? await openPostgres(location, { poolSize: options.poolSize })
    : openSqlite(location, { busyTimeoutMs: options.busyTimeoutMs ?? INVENTORY_LIMITS.busyTimeoutMs, ...(options.sqliteCacheKiB === undefined ? {} : { cacheKiB: options.sqliteCacheKiB }) });
  const inventory = createInventory(db, options);
  await inventory.markInterruptedScans();
  return inventory;
}

/** The database, counting this process's writes once they are done (the overview's cache is kept until one). */
function countingWrites(db: SqlDatabase): { db: SqlDatabase; writes(): number } {
  let writes = 0;
  const counted = async <T>(write: Promise<T>): Promise<T> => {
    try {
      return await write;
    } finally {
      writes += 1;
    }
  };
  return {
    writes: () => writes,
    db: {
      dialect: db.dialect,
      all: <T>(sql: string, params?: readonly SqlValue[]) => db.all<T>(sql, params),
      get: <T>(sql: string, params?: readonly SqlValue[]) => db.get<T>(sql, params),
      run: (sql, params) => counted(db.run(sql, params)),
      transaction: (work) => counted(db.transaction(work)),
      close: () => db.close(),
    },
  };
}

function createInventory(database: SqlDatabase, options: InventoryOptions): Inventory {
  const log = options.log.child({ module: 'inventory' });
  const now = (): string => (options.now?.() ?? new Date()).toISOString();
  const { db, writes } = countingWrites(database);
  const queries = createQueries(db, now);
  const overviewQueries = createOverviewQueries(db, { writeGeneration: writes });
  const diffScans = createDiff(db);
  const tokens = createTokenStore(db, now);
  const writerFor = (tx: SqlRunner) =>
    createDeviceWriter({
      db: tx,
      identify: options.identify,
      log,
      now,
      maxObservationsPerSource: options.maxObservationsPerSource ?? INVENTORY_LIMITS.maxObservationsPerSource,
    });
  const runner = runnerOfThisProcess();
  const runningHere = new Set<string>();
  let heartbeat: NodeJS.Timeout | undefined;

  async function renewHeartbeats(): Promise<void> {
    const at = now();
    for (const id of runningHere) {
      try {
        await db.run(SQL.renewHeartbeat, [at, id]);
      } catch (error) {
        // A busy database delays one beat; the lease is many beats long.
        log.warn({ err: error, scanId: id }, 'could not renew the heartbeat of a running scan');
      }
    }
  }

  function updateHeartbeatTimer(): void {
    if (runningHere.size > 0 && heartbeat === undefined) {
      heartbeat = setInterval(() => void renewHeartbeats(), HEARTBEAT_MS);
      heartbeat.unref();
    } else if (runningHere.size === 0 && heartbeat !== undefined) {
      clearInterval(heartbeat);
      heartbeat = undefined;
    }
  }

  function scanHasWriter(row: ScanRow): boolean {
    // A pushed scan runs on its agent; no process here can tell whether it died.
    if (row.runner.startsWith(PUSH_RUNNER_PREFIX) || runningHere.has(row.id)) return true;
    const beat = Date.parse(row.heartbeat_at ?? row.started_at);
    if (!(Date.parse(now()) - beat < SCAN_LEASE_MS)) return false;
    return !runnerIsCertainlyGone(row.runner);
  }

  async function scanRow(tx: SqlRunner, scanId: string): Promise<ScanRow> {
    const row = await tx.get<ScanRow>(SQL.selectScan, [scanId]);
    if (!row) throw new CamauditError('CAMAUDIT_ERR_NOT_FOUND', `no scan with id ${scanId}`);
    return row;
  }

  /**
   * Merges a scan into devices and closes it. `onlyIfRunning`: a pushed scan's last batch sent twice must not merge
   * twice; the second finds it finished. `deviceIds`: whether the caller wants the lists of device ids (a scan's
   * caller prints its devices); a batch's or an import's caller reads the counts only, and a merge that keeps no
   * list of every device it wrote holds memory of one part, not of the scan (a first import of 1,000,000 devices).
   */
  async function finish(scanId: string, request: ScanFinish, onlyIfRunning: boolean, deviceIds: true): Promise<FinishedScan>;
  async function finish(scanId: string, request: ScanFinish, onlyIfRunning: boolean, deviceIds: false): Promise<FinishedScanCounts>;
  async function finish(scanId: string, request: ScanFinish, onlyIfRunning: boolean, deviceIds: boolean): Promise<FinishedScanCounts | FinishedScan> {
    const finished = await db.transaction(async (tx): Promise<FinishedScanCounts | FinishedScan> => {
      if (tx.dialect === 'postgres') await tx.get('SELECT pg_advisory_xact_lock(?)', [MERGE_LOCK_KEY]);
      const scan = await scanRow(tx, scanId);
      if (onlyIfRunning && scan.status !== 'running') {
        const counts = JSON.parse(scan.counts) as Record<string, unknown>;
        const status = scan.status as FinishedScan['status'];
        return deviceIds ? { scanId, status, deviceIds: [], newDeviceIds: [], alertDeviceIds: [], counts } : { scanId, status, counts };
      }
      const writer = writerFor(tx);
      // A bulk load (a first import of many devices): the devices' indexes are built once at the end (bulk-indexes.ts).
      const incoming = Number((await tx.get<{ count: number | string }>(SQL.countScanSightings, [scanId]))?.count ?? 0);
      const rebuildIndexes = await deferDeviceIndexes(tx, incoming);
      // Kept for the lists only: every device written, in the order of its first outcome, and those created.
      const claimedInOrder = new Set<string>();
      const createdIds: string[] = [];
      // Devices an outcome alerted (few: a device seen again, a refused claim).
      const alertedIds = new Set<string>();
      let newDevices = 0;
      const bySource: Record<string, number> = {};
      let observationCount = 0;
      // In parts for a large scan (merge-parts.ts): no group spans two, and no stored device or place is in two, so
      // each part merges as the whole scan would, with a `claimed` set of its own, and nothing a part created can be
      // merged away by a later one: its created devices are counted when it ends.
      for await (const { observations, keys, scanTablePlaces } of readScanParts(tx, scanId, scan.site, options.mergePartObservations ?? INVENTORY_LIMITS.mergePartObservations)) {
        observationCount += observations.length;
        for (const observation of observations) bySource[observation.source] = (bySource[observation.source] ?? 0) + 1;
        const groups = groupKeyedObservations(observations, keys);
        const evidence = claimEvidenceOfKeyed(observations, keys);
        if (scanTablePlaces) evidence.withScanTablePlaces(scanTablePlaces);
        const claimed = new Set<string>();
        const outcomes = await writer.writeScanGroups(scan, groups, evidence, claimed);
        for (const outcome of outcomes) {
          if (outcome.created && !writer.mergedAway(outcome.deviceId)) newDevices += 1;
          if (outcome.alerted) alertedIds.add(outcome.deviceId);
          if (deviceIds) {
            if (outcome.created) createdIds.push(outcome.deviceId);
            claimedInOrder.add(outcome.deviceId);
          }
        }
      }
      await rebuildIndexes();
      // A device of an earlier part may have been alerted by a claim made in a later one.
      const conflicted = writer.conflicted();
      const notLogged = writer.conflictsNotLogged();
      if (notLogged > 0) log.warn({ scanId, conflicts: notLogged }, 'more claims were not trusted, each recorded as a conflict in its device\'s history and alert, not logged one by one');
      const tally = (await tx.get<{ devices: number | string; covered: number | string | null }>(SQL.countDevicesOfScan, [scanId]))!;
      // Alerted devices that this scan saw and that still exist (a device written by the scan has its row of it).
      let alerts = 0;
      const alertCandidates = [...new Set([...alertedIds, ...conflicted])];
      for (let start = 0; start < alertCandidates.length; start += IDS_PER_QUERY) {
        const chunk = paddedTo(alertCandidates.slice(start, start + IDS_PER_QUERY), IDS_PER_QUERY);
        alerts += Number((await tx.get<{ count: number | string }>(SQL.countDevicesOfScanAmong(IDS_PER_QUERY), [scanId, ...chunk]))?.count ?? 0);
      }
      const counts = {
        observations: observationCount,
        devices: Number(tally.devices),
        newDevices,
        covered: Number(tally.covered ?? 0),
        alerts,
        bySource,
        ...request.counts,
      };
      await tx.run(SQL.finishScan, [request.status, now(), JSON.stringify(counts), JSON.stringify(request.errors ?? []), scanId]);
      if (!deviceIds) return { scanId, status: request.status, counts };
      const present = new Set((await tx.all<{ id: string }>(SQL.devicesOfScanBrief, [scanId])).map((device) => device.id));
      return {
        scanId,
        status: request.status,
        deviceIds: [...present],
        newDeviceIds: [...new Set(createdIds.filter((id) => present.has(id)))],
        alertDeviceIds: [...claimedInOrder].filter((id) => (alertedIds.has(id) || conflicted.has(id)) && present.has(id)),
        counts,
      };
    });
    runningHere.delete(scanId);
    updateHeartbeatTimer();
    log.info({ scanId, status: finished.status, counts: finished.counts }, 'scan recorded');
    return finished;
  }

  async function markInterruptedScans(): Promise<string[]> {
    const marked: string[] = [];
    for (const row of await db.all<ScanRow>(SQL.runningScans)) {
      if (scanHasWriter(row)) continue;
      // Whatever it committed before it died is real evidence: merge it, then say it was cut short. Two processes
      // may both find the same abandoned scan: the second finds it no longer running and leaves it.
      try {
        const closed = await finish(row.id, { status: 'interrupted' }, true, false);
        if (closed.status !== 'interrupted') continue;
      } catch (error) {
        log.warn({ err: error, scanId: row.id }, 'an abandoned scan could not be marked interrupted now; will retry');
        continue;
      }
      log.warn({ scanId: row.id, runner: row.runner, heartbeatAt: row.heartbeat_at }, 'a scan was left running by a process that is gone; marked interrupted');
      marked.push(row.id);
    }
    return marked;
  }

  async function updateDevice(id: string, patch: DevicePatch): Promise<InventoryDevice> {
    await db.transaction(async (tx): Promise<void> => {
      const before = await tx.get<DeviceRow>(SQL.selectDevice, [id]);
      if (!before) throw new CamauditError('CAMAUDIT_ERR_NOT_FOUND', `no device with id ${id}`);
      if (patch.status !== undefined && !DEVICE_STATUSES.includes(patch.status)) {
        throw new CamauditError('CAMAUDIT_ERR_BAD_REQUEST', `status must be one of ${DEVICE_STATUSES.join(', ')}`);
      }
      if (patch.site !== undefined && patch.site.trim() === '') throw new CamauditError('CAMAUDIT_ERR_BAD_REQUEST', 'site must not be empty');
      const status = patch.status ?? before.status;
      const statusChanged = status !== before.status;
      const statusReason = patch.statusReason !== undefined ? patch.statusReason : statusChanged ? null : before.status_reason;
      if (status === 'exempt' && (statusReason === null || statusReason.trim() === '')) {
        throw new CamauditError('CAMAUDIT_ERR_BAD_REQUEST', 'status exempt needs a reason (statusReason)');
      }
      const after = {
        site: patch.site ?? before.site,
        location: patch.location !== undefined ? patch.location : before.location,
        owner: patch.owner !== undefined ? patch.owner : before.owner,
        notes: patch.notes !== undefined ? patch.notes : before.notes,
      };
      const writer = writerFor(tx);
      for (const field of ['site', 'location', 'owner', 'notes'] as const) {
        if (after[field] !== before[field]) await writer.history(id, null, 'edit', field, before[field], after[field]);
      }
      if (statusChanged || statusReason !== before.status_reason) {
        await writer.history(id, null, 'status', 'status', `${before.status}${before.status_reason ? `: ${before.status_reason}` : ''}`, `${status}${statusReason ? `: ${statusReason}` : ''}`);
      }
      const clearAlert = patch.clearAlert === true && before.alert !== null;
      if (clearAlert) await writer.history(id, null, 'alert', 'alert', before.alert, null);
      await tx.run(SQL.updateDeviceUser, [
        after.site,
        after.location,
        after.owner,
        after.notes,
        status,
        statusReason,
        clearAlert ? null : before.alert,
        clearAlert ? null : before.alert_at,
        now(),
        id,
      ]);
    });
    return (await queries.getDevice(id))!;
  }

  async function beginScan(start: ScanStart & { id?: string }, runnerName = runner): Promise<string> {
    const id = start.id ?? randomUUID();
    await db.run(SQL.insertScan, [id, start.site, start.agent, JSON.stringify(start.scope), JSON.stringify(start.channels), now(), null, 'running', '{}', '[]', runnerName, now()]);
    if (!runnerName.startsWith(PUSH_RUNNER_PREFIX)) runningHere.add(id);
    updateHeartbeatTimer();
    log.info({ scanId: id, site: start.site, agent: start.agent }, 'scan started');
    return id;
  }

  const ingest = createIngest({ db, now, log, finish: (scanId, request) => finish(scanId, request, true, false), pushRunnerPrefix: PUSH_RUNNER_PREFIX });

  return {
    engine: db.dialect,
    beginScan: (start) => beginScan(start),

    async recordObservation(scanId: string, observation: Observation): Promise<void> {
      validateObservation(observation);
      if (!runningHere.has(scanId)) {
        const row = await scanRow(db, scanId);
        if (row.status !== 'running') throw new CamauditError('CAMAUDIT_ERR_BAD_REQUEST', `scan ${scanId} is ${row.status}, not running`);
      }
      try {
        await db.transaction(async (tx) => {
          await tx.run(SQL.insertObservation, observationRow(scanId, observation));
          await tx.run(SQL.insertSighting, [scanId, observation.id, observation.agent, observation.observedAt]);
        });
      } catch (error) {
        throw new CamauditError('CAMAUDIT_ERR_DB', `cannot record observation ${observation.id}: ${(error as Error).message}`, { cause: error });
      }
    },

    finishScan: (scanId, request) => finish(scanId, request, false, true),
    markInterruptedScans,
    ingestBatch: ingest,
    listDevices: queries.listDevices,
    overview: overviewQueries.overview,
    facets: overviewQueries.facets,
    listAllDevices: queries.listAllDevices,
    streamDevices: queries.streamDevices,
    getDevice: queries.getDevice,
    getDeviceDetail: queries.getDeviceDetail,
    updateDevice,
    listScans: queries.listScans,
    getScan: queries.getScan,
    previousScanId: queries.previousScanId,
    diffScans,
    async isScanRunning(): Promise<boolean> {
      // Abandoned scans are closed here, so a crashed writer cannot block the next scan (POST /scans, schedule).
      await markInterruptedScans();
      return queries.isScanRunning();
    },
    listSites: queries.listSites,
    createToken: tokens.createToken,
    listTokens: tokens.listTokens,
    revokeToken: tokens.revokeToken,
    verifyToken: tokens.verifyToken,
    close: () => {
      if (heartbeat !== undefined) clearInterval(heartbeat);
      heartbeat = undefined;
      return db.close();
    },
  };
}
