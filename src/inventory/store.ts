import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CamauditError } from '../errors.js';
import type { Observation } from '../model.js';
import { createDeviceWriter } from './device-writer.js';
import { createDiff } from './diff.js';
import { groupObservations } from './merge.js';
import { createQueries } from './queries.js';
import { observationFromRaw, type DeviceRow, type ScanRow } from './rows.js';
import { openDatabase } from './schema.js';
import { prepareStatements } from './statements.js';
import { type DevicePatch, type FinishedScan, type Inventory, type InventoryDevice, type InventoryOptions, type ScanFinish, type ScanStart } from './types.js';
import { DEVICE_STATUSES } from './filter.js';
import { INVENTORY_LIMITS } from '../config.js';

// The inventory: one SQLite file. Writes are small transactions committed at once, so that a scan killed
// half-way leaves every observation it had recorded.
//
// Merging happens at finishScan, not per observation: only then does the scan hold all it will learn about an
// address (the neighbour table, which lends MACs to banners, is read last), so grouping once with everything is
// both cheaper and right more often than re-merging live. Progress during a scan is the count of committed
// observations, which getScan reports for a running scan.


/** `host:pid` of this process, stored on each scan so that another process can tell whether its writer is alive. */
function runnerOfThisProcess(): string {
  return `${hostname()}:${process.pid}`;
}

function runnerIsAlive(runner: string): boolean {
  const separator = runner.lastIndexOf(':');
  const host = runner.slice(0, separator);
  const pid = Number(runner.slice(separator + 1));
  // Another host's process cannot be checked; a file shared across hosts is not a supported setup, so treat it as gone.
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function validateObservation(observation: Observation): void {
  const valid =
    typeof observation === 'object' &&
    observation !== null &&
    typeof observation.id === 'string' &&
    observation.id.length > 0 &&
    typeof observation.ip === 'string' &&
    typeof observation.source === 'string' &&
    typeof observation.site === 'string' &&
    typeof observation.agent === 'string' &&
    typeof observation.observedAt === 'string' &&
    (observation.port === undefined || Number.isInteger(observation.port));
  if (!valid) throw new CamauditError('CAMAUDIT_ERR_BAD_OBSERVATION', 'an observation needs id, site, agent, source, ip and observedAt');
}

export function openInventory(path: string, options: InventoryOptions): Inventory {
  const log = options.log.child({ module: 'inventory' });
  const now = (): string => (options.now?.() ?? new Date()).toISOString();
  const db = openDatabase(path, { busyTimeoutMs: options.busyTimeoutMs ?? INVENTORY_LIMITS.busyTimeoutMs });
  const statements = prepareStatements(db);
  const queries = createQueries(db);
  const diffScans = createDiff(db);
  const writer = createDeviceWriter({
    statements,
    identify: options.identify,
    log,
    now,
    maxObservationsPerSource: options.maxObservationsPerSource ?? INVENTORY_LIMITS.maxObservationsPerSource,
  });
  const runner = runnerOfThisProcess();
  const runningHere = new Set<string>();

  const recordOne = db.transaction((scanId: string, observation: Observation) => {
    statements.insertObservation.run({
      id: observation.id,
      scan_id: scanId,
      site: observation.site,
      agent: observation.agent,
      source: observation.source,
      ip: observation.ip,
      port: observation.port ?? null,
      mac: observation.mac ?? null,
      observed_at: observation.observedAt,
      raw: JSON.stringify(observation),
    });
    statements.insertSighting.run(scanId, observation.id, observation.agent, observation.observedAt);
  });

  function scanRow(scanId: string): ScanRow {
    const row = statements.selectScan.get(scanId) as ScanRow | undefined;
    if (!row) throw new CamauditError('CAMAUDIT_ERR_NOT_FOUND', `no scan with id ${scanId}`);
    return row;
  }

  function finish(scanId: string, request: ScanFinish): FinishedScan {
    const run = db.transaction((): FinishedScan => {
      const scan = scanRow(scanId);
      const observations = (statements.scanObservations.all(scanId) as { raw: string; agent: string; observed_at: string }[])
        .map((row) => observationFromRaw(row.raw, { scanId, agent: row.agent, observedAt: row.observed_at }))
        .filter((observation): observation is Observation => observation !== undefined);
      const outcomes = writer.writeScanGroups(scan, groupObservations(observations));
      const devices = (db.prepare('SELECT d.* FROM device_scans s JOIN devices d ON d.id = s.device_id WHERE s.scan_id = ? ORDER BY d.ip, d.id').all(scanId) as DeviceRow[]);
      const deviceIds = devices.map((device) => device.id);
      const present = new Set(deviceIds);
      const newDeviceIds = [...new Set(outcomes.filter((outcome) => outcome.created && present.has(outcome.deviceId)).map((outcome) => outcome.deviceId))];
      const alertDeviceIds = [...new Set(outcomes.filter((outcome) => outcome.alerted && present.has(outcome.deviceId)).map((outcome) => outcome.deviceId))];
      const bySource: Record<string, number> = {};
      for (const observation of observations) bySource[observation.source] = (bySource[observation.source] ?? 0) + 1;
      const counts = {
        observations: observations.length,
        devices: deviceIds.length,
        newDevices: newDeviceIds.length,
        covered: devices.filter((device) => device.covered === 1).length,
        alerts: alertDeviceIds.length,
        bySource,
        ...request.counts,
      };
      statements.finishScan.run({ id: scanId, status: request.status, finished_at: now(), counts: JSON.stringify(counts), errors: JSON.stringify(request.errors ?? []) });
      return { scanId, status: request.status, deviceIds, newDeviceIds, alertDeviceIds, counts };
    });
    const finished = run.immediate();
    runningHere.delete(scanId);
    log.info({ scanId, status: finished.status, counts: finished.counts }, 'scan recorded');
    return finished;
  }

  function markInterruptedScans(): string[] {
    const marked: string[] = [];
    for (const row of statements.runningScans.all() as ScanRow[]) {
      if (runningHere.has(row.id) || runnerIsAlive(row.runner)) continue;
      // Whatever it committed before it died is real evidence: merge it, then say it was cut short.
      finish(row.id, { status: 'interrupted' });
      log.warn({ scanId: row.id, runner: row.runner }, 'a scan was left running by a process that is gone; marked interrupted');
      marked.push(row.id);
    }
    return marked;
  }

  function updateDevice(id: string, patch: DevicePatch): InventoryDevice {
    const apply = db.transaction((): void => {
      const before = statements.selectDevice.get(id) as DeviceRow | undefined;
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
      for (const field of ['site', 'location', 'owner', 'notes'] as const) {
        if (after[field] !== before[field]) writer.history(id, null, 'edit', field, before[field], after[field]);
      }
      if (statusChanged || statusReason !== before.status_reason) {
        writer.history(id, null, 'status', 'status', `${before.status}${before.status_reason ? `: ${before.status_reason}` : ''}`, `${status}${statusReason ? `: ${statusReason}` : ''}`);
      }
      const clearAlert = patch.clearAlert === true && before.alert !== null;
      if (clearAlert) writer.history(id, null, 'alert', 'alert', before.alert, null);
      statements.updateDeviceUser.run({
        id,
        ...after,
        status,
        status_reason: statusReason,
        alert: clearAlert ? null : before.alert,
        alert_at: clearAlert ? null : before.alert_at,
        updated_at: now(),
      });
    });
    apply.immediate();
    return queries.getDevice(id)!;
  }

  const inventory: Inventory = {
    beginScan(start: ScanStart): string {
      const id = randomUUID();
      statements.insertScan.run({
        id,
        site: start.site,
        agent: start.agent,
        scope: JSON.stringify(start.scope),
        channels: JSON.stringify(start.channels),
        started_at: now(),
        runner,
      });
      runningHere.add(id);
      log.info({ scanId: id, site: start.site, agent: start.agent }, 'scan started');
      return id;
    },

    recordObservation(scanId: string, observation: Observation): void {
      validateObservation(observation);
      if (!runningHere.has(scanId)) {
        const row = scanRow(scanId);
        if (row.status !== 'running') throw new CamauditError('CAMAUDIT_ERR_BAD_REQUEST', `scan ${scanId} is ${row.status}, not running`);
      }
      try {
        recordOne(scanId, observation);
      } catch (error) {
        throw new CamauditError('CAMAUDIT_ERR_DB', `cannot record observation ${observation.id}: ${(error as Error).message}`, { cause: error });
      }
    },

    finishScan: finish,
    markInterruptedScans,
    listDevices: queries.listDevices,
    listAllDevices: queries.listAllDevices,
    getDevice: queries.getDevice,
    getDeviceDetail: queries.getDeviceDetail,
    updateDevice,
    listScans: queries.listScans,
    getScan: queries.getScan,
    previousScanId: queries.previousScanId,
    diffScans,
    isScanRunning: queries.isScanRunning,
    close(): void {
      db.close();
    },
  };
  markInterruptedScans();
  return inventory;
}
