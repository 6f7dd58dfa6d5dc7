import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Identification, Observation } from '../model.js';
import { KEY_KINDS, keyOfMac, keyOfSerial, type KeyKind } from './keys.js';
import { unionList, type ObservationGroup } from './merge.js';
import { emptyIdentification, identificationFromJson, observationFromRaw, parseJson, type DeviceRow, type ScanRow } from './rows.js';
import type { Statements } from './statements.js';
import type { HistoryKind, IdentifyFunction } from './types.js';
import { INVENTORY_LIMITS } from '../config.js';

// Turns one scan's observation groups into device rows: find the device each group is (by key precedence),
// create it or update it, re-identify it from its latest observations, and write what changed into its history.
// Runs inside the caller's transaction.

export interface DeviceWriterContext {
  statements: Statements;
  identify: IdentifyFunction;
  log: Logger;
  now: () => string;
  maxObservationsPerSource: number;
}

export interface GroupOutcome {
  deviceId: string;
  created: boolean;
  alerted: boolean;
}

let historyCounter = 0;

/** Ids that sort in creation order (time, then a per-process counter), so history entries of one instant keep their order. */
function orderedId(): string {
  historyCounter = (historyCounter + 1) % 0x1000000;
  const random = randomUUID().replace(/-/g, '').slice(0, 8);
  return `${Date.now().toString(16).padStart(12, '0')}${historyCounter.toString(16).padStart(6, '0')}${random}`;
}


export function createDeviceWriter(context: DeviceWriterContext) {
  const { statements, log } = context;

  function history(deviceId: string, scanId: string | null, kind: HistoryKind, field: string | null, oldValue: string | null, newValue: string | null): void {
    statements.insertHistory.run({ id: orderedId(), device_id: deviceId, scan_id: scanId, at: context.now(), kind, field, old_value: oldValue, new_value: newValue });
  }

  function deviceRow(id: string): DeviceRow {
    return statements.selectDevice.get(id) as DeviceRow;
  }

  function keysOfDevice(deviceId: string): Record<KeyKind, string[]> {
    const keys: Record<KeyKind, string[]> = { mac: [], serial: [], endpoint: [] };
    for (const row of statements.selectKeysOfDevice.all(deviceId) as { kind: KeyKind; value: string }[]) keys[row.kind].push(row.value);
    return keys;
  }

  /** Strong keys of one kind on both sides, none shared: a different device that happens to use the address. */
  function conflicts(group: ObservationGroup, deviceId: string): boolean {
    const deviceKeys = keysOfDevice(deviceId);
    return KEY_KINDS.some((kind) => group.keys[kind].length > 0 && deviceKeys[kind].length > 0 && !group.keys[kind].some((value) => deviceKeys[kind].includes(value)));
  }

  function resolve(group: ObservationGroup, scan: ScanRow, claimed: Set<string>): string | undefined {
    const matches: string[] = [];
    for (const kind of KEY_KINDS) {
      for (const value of group.keys[kind]) {
        const row = statements.selectKey.get(kind, value) as { device_id: string } | undefined;
        if (row && !matches.includes(row.device_id)) matches.push(row.device_id);
      }
    }
    if (matches.length > 0) {
      const [winner, ...others] = matches as [string, ...string[]];
      for (const loser of others) mergeDevices(winner, loser, scan.id);
      return winner;
    }
    // Last resort: the device that last used one of these addresses at this site, if nothing says it is another.
    for (const address of group.addresses) {
      for (const { id } of statements.devicesAtAddress.all(scan.site, address) as { id: string }[]) {
        if (!claimed.has(id) && !conflicts(group, id)) return id;
      }
    }
    return undefined;
  }

  /** Two device rows turned out to be one (a later observation carried keys of both): keep `winner`. */
  function mergeDevices(winnerId: string, loserId: string, scanId: string): void {
    const winner = deviceRow(winnerId);
    const loser = deviceRow(loserId);
    statements.moveKeys.run(winnerId, loserId);
    statements.copyDeviceObservations.run(winnerId, loserId);
    statements.copyDeviceScans.run(winnerId, loserId);
    statements.moveHistory.run(winnerId, loserId);
    statements.deleteDevice.run(loserId);
    const keepStatus = winner.status === 'found' && loser.status !== 'found';
    statements.updateDeviceUser.run({
      id: winnerId,
      site: winner.site,
      location: winner.location ?? loser.location,
      owner: winner.owner ?? loser.owner,
      notes: winner.notes ?? loser.notes,
      status: keepStatus ? loser.status : winner.status,
      status_reason: keepStatus ? loser.status_reason : winner.status_reason,
      alert: winner.alert ?? loser.alert,
      alert_at: winner.alert_at ?? loser.alert_at,
      updated_at: context.now(),
    });
    const merged = deviceRow(winnerId);
    statements.updateDeviceSeen.run({
      ...merged,
      addresses: JSON.stringify(unionList(jsonStrings(merged.addresses), jsonStrings(loser.addresses))),
      ports: JSON.stringify(unionList(jsonNumbers(merged.ports), jsonNumbers(loser.ports)).sort((a, b) => a - b)),
      sources: JSON.stringify(unionList(jsonStrings(merged.sources), jsonStrings(loser.sources))),
      first_seen: merged.first_seen < loser.first_seen ? merged.first_seen : loser.first_seen,
      last_seen: merged.last_seen > loser.last_seen ? merged.last_seen : loser.last_seen,
      updated_at: context.now(),
    });
    history(winnerId, scanId, 'merged', 'id', loserId, winnerId);
    log.info({ winnerId, loserId, scanId }, 'two devices turned out to be one; merged');
  }

  function createDevice(group: ObservationGroup, scan: ScanRow): string {
    const id = randomUUID();
    const seen = seenRange(group.observations);
    statements.insertDevice.run({
      id,
      site: scan.site,
      origin_site: scan.site,
      agent: scan.agent,
      ip: group.addresses[0] ?? '',
      mac: null,
      serial: null,
      endpoint: null,
      addresses: '[]',
      ports: '[]',
      sources: '[]',
      first_seen: seen.first,
      last_seen: seen.last,
      identification: JSON.stringify(emptyIdentification()),
      vendor: null,
      brand: null,
      model: null,
      firmware: null,
      device_class: 'unknown',
      covered: 0,
      confidence: 0,
      status: 'found',
      status_reason: null,
      location: null,
      owner: null,
      notes: null,
      alert: null,
      alert_at: null,
      updated_at: context.now(),
    });
    history(id, scan.id, 'created', 'ip', null, group.addresses[0] ?? null);
    return id;
  }

  /** The latest view each channel had of the device: per source, the observations of its most recent sighting scan. */
  function observationsForIdentification(deviceId: string): Observation[] {
    const rows = statements.recentSightingsOfDevice.all(deviceId, INVENTORY_LIMITS.maxSightingsRead) as { raw: string; source: string; scan_id: string; agent: string; observed_at: string }[];
    const latestScanOfSource = new Map<string, string>();
    const taken = new Map<string, Observation>();
    const countOfSource = new Map<string, number>();
    for (const row of rows) {
      if (!latestScanOfSource.has(row.source)) latestScanOfSource.set(row.source, row.scan_id);
      if (latestScanOfSource.get(row.source) !== row.scan_id) continue;
      const count = countOfSource.get(row.source) ?? 0;
      if (count >= context.maxObservationsPerSource) continue;
      const observation = observationFromRaw(row.raw, { scanId: row.scan_id, agent: row.agent, observedAt: row.observed_at });
      if (!observation || taken.has(observation.id)) continue;
      taken.set(observation.id, observation);
      countOfSource.set(row.source, count + 1);
    }
    return [...taken.values()];
  }

  function identifySafely(deviceId: string, previous: Identification): Identification {
    const observations = observationsForIdentification(deviceId);
    try {
      return context.identify(observations);
    } catch (error) {
      // A matcher bug must not lose a scan: keep the previous verdict, say so.
      log.error({ err: error, deviceId }, 'identify failed; keeping the previous identification');
      return previous;
    }
  }

  function apply(deviceId: string, group: ObservationGroup, scan: ScanRow, created: boolean): boolean {
    const before = deviceRow(deviceId);
    for (const kind of KEY_KINDS) for (const value of group.keys[kind]) statements.insertKey.run(kind, value, deviceId);
    for (const observation of group.observations) statements.linkObservation.run(deviceId, observation.id);
    const seen = seenRange(group.observations);
    const ip = group.addresses[0] ?? before.ip;
    if (!created && before.ip !== ip) history(deviceId, scan.id, 'address', 'ip', before.ip, ip);

    const previous = identificationFromJson(before.identification);
    const identification = identifySafely(deviceId, previous);
    const mac = before.mac ?? group.keys.mac[0] ?? keyOfMac(identification.mac) ?? null;
    const serial = before.serial ?? group.keys.serial[0] ?? keyOfSerial(identification.serial) ?? null;
    // Keys the matcher found that the key table did not: take them when no other device holds them.
    if (mac) statements.insertKey.run('mac', mac, deviceId);
    if (serial) statements.insertKey.run('serial', serial, deviceId);

    const firmware = identification.firmware?.raw ?? null;
    if (!created && before.firmware !== null && firmware !== null && before.firmware !== firmware) {
      history(deviceId, scan.id, 'firmware', 'firmware', before.firmware, firmware);
    }
    const beforeLabel = labelOf(before.vendor, before.brand, before.model);
    const afterLabel = labelOf(identification.vendor, identification.brand, identification.model);
    if (!created && beforeLabel !== afterLabel && afterLabel !== '') history(deviceId, scan.id, 'identification', 'vendor/brand/model', beforeLabel || null, afterLabel);

    let alert = before.alert;
    let alertAt = before.alert_at;
    const alerted = before.status === 'replaced' || before.status === 'removed';
    if (alerted) {
      alert = `seen again at ${ip} on ${seen.last} after being marked ${before.status}`;
      alertAt = seen.last;
      history(deviceId, scan.id, 'alert', 'status', before.status, alert);
      log.warn({ deviceId, ip, status: before.status, scanId: scan.id }, 'a device marked replaced or removed was seen again');
    }
    statements.updateDeviceSeen.run({
      id: deviceId,
      agent: scan.agent,
      ip,
      mac,
      serial,
      endpoint: before.endpoint ?? group.keys.endpoint[0] ?? null,
      addresses: JSON.stringify(unionList(jsonStrings(before.addresses), group.addresses)),
      ports: JSON.stringify(unionList(jsonNumbers(before.ports), group.ports).sort((a, b) => a - b)),
      sources: JSON.stringify(unionList(jsonStrings(before.sources), group.observations.map((observation) => observation.source))),
      first_seen: created || seen.first < before.first_seen ? seen.first : before.first_seen,
      last_seen: seen.last > before.last_seen ? seen.last : before.last_seen,
      identification: JSON.stringify(identification),
      vendor: identification.vendor,
      brand: identification.brand,
      model: identification.model,
      firmware,
      device_class: identification.deviceClass,
      covered: identification.covered ? 1 : 0,
      confidence: identification.confidence,
      alert,
      alert_at: alertAt,
      updated_at: context.now(),
    });
    statements.upsertDeviceScan.run({
      device_id: deviceId,
      scan_id: scan.id,
      ip,
      mac,
      vendor: identification.vendor,
      brand: identification.brand,
      model: identification.model,
      firmware,
      seen_at: seen.last,
    });
    return alerted;
  }

  return {
    /** Writes every group of one scan; groups with strong keys first, so address-only groups cannot take their device. */
    writeScanGroups(scan: ScanRow, groups: readonly ObservationGroup[]): GroupOutcome[] {
      const strong = (group: ObservationGroup): boolean => KEY_KINDS.some((kind) => group.keys[kind].length > 0);
      const ordered = [...groups.filter(strong), ...groups.filter((group) => !strong(group))];
      const claimed = new Set<string>();
      const outcomes: GroupOutcome[] = [];
      for (const group of ordered) {
        const existing = resolve(group, scan, claimed);
        const deviceId = existing ?? createDevice(group, scan);
        const alerted = apply(deviceId, group, scan, existing === undefined);
        claimed.add(deviceId);
        outcomes.push({ deviceId, created: existing === undefined, alerted });
      }
      return outcomes;
    },
    history,
  };
}

export type DeviceWriter = ReturnType<typeof createDeviceWriter>;

function seenRange(observations: readonly Observation[]): { first: string; last: string } {
  let first = observations[0]?.observedAt ?? '';
  let last = first;
  for (const observation of observations) {
    if (observation.observedAt < first) first = observation.observedAt;
    if (observation.observedAt > last) last = observation.observedAt;
  }
  return { first, last };
}

function labelOf(vendor: string | null, brand: string | null, model: string | null): string {
  return [vendor, brand, model].map((part) => part ?? '').join('/').replace(/^\/+$/, '');
}

function jsonStrings(text: string): string[] {
  const value = parseJson(text);
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

function jsonNumbers(text: string): number[] {
  const value = parseJson(text);
  return Array.isArray(value) ? value.filter((entry): entry is number => typeof entry === 'number') : [];
}
