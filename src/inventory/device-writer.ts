import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Identification, Observation } from '../model.js';
import { KEY_KINDS, keyOfMac, keyOfSerial, type KeyKind } from './keys.js';
import { SWITCH_LOCATION_PREFIX, switchLocation, unionList, type ClaimEvidence, type MergeObservation, type ObservationGroup } from './merge.js';
import { emptyIdentification, identificationFromJson, observationFromRaw, parseJson, type DeviceRow, type ScanRow } from './rows.js';
import { DEVICE_COLUMNS, DEVICE_SEEN_COLUMNS, DEVICE_USER_COLUMNS, SQL, valuesOf } from './statements.js';
import { paddedTo, type SqlRunner } from './sql.js';
import type { HistoryKind, IdentifyFunction } from './types.js';
import { INVENTORY_LIMITS } from '../config.js';

// Turns one scan's observation groups into device rows: find the device each group is (by key precedence),
// create it or update it, re-identify it from its latest observations, and write what changed into its history.
// Runs inside the caller's transaction. A strong key (MAC, serial, endpoint) that points at a device of another
// site means the device moved there: it keeps its id and history, takes the new site, and says where it came from.
// What a device says about itself is a claim: a key matches a device at another address only when the scan
// corroborates it (merge.ts, ClaimEvidence); records an operator edited are never merged automatically; a refused
// claim or a held-back merge becomes a `conflict` in the history and the device's alert.

export interface DeviceWriterContext {
  /** The caller's transaction. */
  db: SqlRunner;
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

/** Observation ids bound in one query (both engines allow far more parameters). */
const IDS_PER_QUERY = 200;
/** Observation ids whose sightings are read ahead per query, for the groups about to be written. */
const PREFETCH_IDS = 500;

interface SightingRow {
  id?: string;
  raw: string;
  source: string;
  scan_id: string;
  agent: string;
  observed_at: string;
}

let historyCounter = 0;

/** Ids that sort in creation order (time, then a per-process counter), so history entries of one instant keep their order. */
function orderedId(): string {
  historyCounter = (historyCounter + 1) % 0x1000000;
  const random = randomUUID().replace(/-/g, '').slice(0, 8);
  return `${Date.now().toString(16).padStart(12, '0')}${historyCounter.toString(16).padStart(6, '0')}${random}`;
}

let lastDeviceIdMs = 0;
let deviceIdCounter = 0;

/**
 * A new device's id: a UUID version 7 (RFC 9562 section 5.7: 48-bit Unix milliseconds, then a 12-bit counter in
 * rand_a as its section 6.2 method 1 allows, then random bits). Ids of one import sort in creation order, so the
 * devices' primary key and every index that starts with a device id (keys, links, scans, history) take new rows
 * at their end instead of at random pages: a first import of 100,000 devices touches far fewer pages.
 */
export function timeOrderedDeviceId(): string {
  let ms = Date.now();
  if (ms <= lastDeviceIdMs) {
    ms = lastDeviceIdMs;
    deviceIdCounter += 1;
    // Counter spent within one millisecond: borrow the next one (ids stay unique and ordered).
    if (deviceIdCounter > 0xfff) {
      ms += 1;
      deviceIdCounter = 0;
    }
  } else {
    deviceIdCounter = 0;
  }
  lastDeviceIdMs = ms;
  const time = ms.toString(16).padStart(12, '0');
  const random = randomUUID();
  // randomUUID is version 4: its fourth group already carries the RFC variant bits; its last group is random.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${deviceIdCounter.toString(16).padStart(3, '0')}-${random.slice(19)}`;
}


export function createDeviceWriter(context: DeviceWriterContext) {
  const { db, log } = context;

  async function history(deviceId: string, scanId: string | null, kind: HistoryKind, field: string | null, oldValue: string | null, newValue: string | null): Promise<void> {
    await db.run(SQL.insertHistory, [orderedId(), deviceId, scanId, context.now(), kind, field, oldValue, newValue]);
  }

  async function deviceRow(id: string): Promise<DeviceRow> {
    return (await db.get<DeviceRow>(SQL.selectDevice, [id]))!;
  }

  async function keysOfDevice(deviceId: string): Promise<Record<KeyKind, string[]>> {
    const keys: Record<KeyKind, string[]> = { mac: [], serial: [], endpoint: [] };
    for (const row of await db.all<{ kind: KeyKind; value: string }>(SQL.selectKeysOfDevice, [deviceId])) keys[row.kind].push(row.value);
    return keys;
  }

  /** Strong keys of one kind on both sides, none shared: a different device that happens to use the address. */
  async function conflicts(group: ObservationGroup, deviceId: string): Promise<boolean> {
    const deviceKeys = await keysOfDevice(deviceId);
    return KEY_KINDS.some((kind) => group.keys[kind].length > 0 && deviceKeys[kind].length > 0 && !group.keys[kind].some((value) => deviceKeys[kind].includes(value)));
  }

  async function heldByAnother(kind: KeyKind, value: string, deviceId: string): Promise<boolean> {
    const row = await db.get<{ device_id: string }>(SQL.selectKey, [kind, value]);
    return row !== undefined && row.device_id !== deviceId;
  }

  async function wasEdited(deviceId: string): Promise<boolean> {
    return (await db.get(SQL.deviceWasEdited, [deviceId])) !== undefined;
  }

  /** Devices given a conflict alert by the scan being written (the victim of a claim is alerted with the claimant). */
  const conflicted = new Set<string>();

  // The devices at a site's address (not behind an NVR), or on an NVR's channel, when the writer first looked,
  // latest first. Read once per scan (or part of one: no place is in two parts): any device that comes there later
  // is one this scan wrote, so it is in `claimed`, and one merged away is in `mergedAway`, and neither can be the
  // answer. Read per group, a thousand devices at one address (a lease history, an agent's push) cost a million rows.
  const devicesAtPlace = new Map<string, readonly string[]>();
  let devicesAtPlaceFor: Set<string> | undefined;
  const mergedAway = new Set<string>();

  async function storedDevicesAt(sql: typeof SQL.devicesAtAddress | typeof SQL.devicesAtChannel, params: readonly (string | number)[], claimed: Set<string>): Promise<readonly string[]> {
    // `claimed` carries what this scan, or this part of it, wrote; another set is another merge, whose writes the memo
    // has not seen, or another part of this one, whose places are its own (merge-parts.ts): either way the memo of
    // the places before is of no use, and is dropped, so that a merge in parts holds one part's memo at a time.
    if (devicesAtPlaceFor !== claimed) {
      devicesAtPlace.clear();
      devicesAtPlaceFor = claimed;
    }
    const key = `${sql === SQL.devicesAtAddress ? 'address' : 'channel'}\u0000${params.join('\u0000')}`;
    let ids = devicesAtPlace.get(key);
    if (ids === undefined) {
      ids = (await db.all<{ id: string }>(sql, params)).map((row) => row.id);
      devicesAtPlace.set(key, ids);
    }
    return ids;
  }

  // Refused claims logged one by one in this write; the rest are counted (a first import of cloned devices can
  // refuse thousands, each already in its device's history and alert).
  let conflictsLogged = 0;
  let conflictsNotLogged = 0;

  /** Records a refused claim or merge on a device, as history and as its alert. */
  async function conflict(deviceId: string, scan: ScanRow, field: string, text: string, at: string): Promise<void> {
    conflicted.add(deviceId);
    await history(deviceId, scan.id, 'conflict', field, null, text);
    await db.run(SQL.setDeviceAlert, [text, at, context.now(), deviceId]);
    if (conflictsLogged < INVENTORY_LIMITS.conflictWarningsPerScan) {
      conflictsLogged += 1;
      log.warn({ deviceId, scanId: scan.id, conflict: text }, 'a claim about a device was not trusted; recorded as a conflict');
    } else conflictsNotLogged += 1;
  }

  /** The MAC an address table last showed for the device, if any. */
  async function lastTableMacOf(deviceId: string): Promise<string | undefined> {
    return keyOfMac((await db.get<{ mac: string | null }>(SQL.lastTableMacOfDevice, [deviceId]))?.mac);
  }

  /**
   * Whether the group may be `deviceId`, which it matched by `kind` `value`. At the device's own address, yes; so
   * for rows with no address (a switch table). At another address (the device moved, or something claims to be
   * it) only when the scan corroborates the claim, the address tables do not show another network interface at the
   * group's addresses, and they do not place the device elsewhere: neither the claimed MAC nor the MAC a table last
   * showed for the device answers at another address in this scan. A table MAC vouches only for its own address.
   */
  async function claimAccepted(group: ObservationGroup, deviceId: string, kind: KeyKind, value: string, evidence: ClaimEvidence): Promise<boolean> {
    const device = await deviceRow(deviceId);
    if (group.addresses.length === 0 || group.addresses.includes(device.ip)) return true;
    const tableMacs = group.addresses.flatMap((address) => [...evidence.tableMacsOf(address)]);
    const deviceMacs = (await keysOfDevice(deviceId)).mac;
    if (tableMacs.length > 0 && deviceMacs.length > 0 && !tableMacs.some((mac) => deviceMacs.includes(mac))) return false;
    if (kind === 'mac' && evidence.contradictsMac(group.addresses, value)) return false;
    const lastTableMac = await lastTableMacOf(deviceId);
    if (lastTableMac !== undefined && evidence.placesElsewhere(group.addresses, lastTableMac).length > 0) return false;
    return evidence.corroborates(group.addresses, kind, value);
  }

  /** The device the group is, if any; `refusedOut` collects the claims about other devices that were not trusted. */
  async function resolve(group: ObservationGroup, scan: ScanRow, claimed: Set<string>, evidence: ClaimEvidence, refusedOut: string[]): Promise<string | undefined> {
    const matches: string[] = [];
    const refused = new Map<string, string[]>();
    for (const kind of KEY_KINDS) {
      for (const value of group.keys[kind]) {
        const row = await db.get<{ device_id: string }>(SQL.selectKey, [kind, value]);
        if (!row || matches.includes(row.device_id)) continue;
        if (await claimAccepted(group, row.device_id, kind, value, evidence)) {
          matches.push(row.device_id);
        } else {
          const claims = refused.get(row.device_id) ?? [];
          claims.push(`${kind} ${value}`);
          refused.set(row.device_id, claims);
          // The refused key stays with its device: the group must not carry it onto another record.
          group.keys[kind] = group.keys[kind].filter((entry) => entry !== value);
        }
      }
    }
    // A MAC that the address tables contradict at the group's own address is someone else's: never a key here; nor
    // is a key of the device the tables place at another address.
    group.keys.mac = group.keys.mac.filter((mac) => !evidence.contradictsMac(group.addresses, mac));
    for (const kind of KEY_KINDS) group.keys[kind] = group.keys[kind].filter((value) => !evidence.refutes(group.addresses, kind, value));
    const seenAt = seenRange(group.observations).last;
    for (const [deviceId, claims] of refused) {
      if (matches.includes(deviceId)) continue;
      refusedOut.push(`the ${claims.join(' and ')} of device ${deviceId}`);
      await conflict(deviceId, scan, 'claim', `${group.addresses.join(', ')} claimed this device's ${claims.join(' and ')} without corroboration (address table, or two channels); not merged`, seenAt);
    }
    if (matches.length > 0) {
      const [winner, ...others] = matches as [string, ...string[]];
      for (const loser of others) {
        // The operator's edits are never merged away by what devices say about themselves.
        if ((await wasEdited(winner)) || (await wasEdited(loser))) {
          const text = `devices ${winner} and ${loser} both match ${group.addresses.join(', ')}; not merged because an operator edited one of them`;
          await conflict(winner, scan, 'merge', text, seenAt);
          await conflict(loser, scan, 'merge', text, seenAt);
          continue;
        }
        await mergeDevices(winner, loser, scan.id);
      }
      await moveIfElsewhere(winner, scan);
      return winner;
    }
    // A camera behind an NVR, with no serial or MAC: the device last listed on the same NVR channel.
    const via = viaOfGroup(group);
    if (via !== undefined && !hasDirectObservation(group)) {
      for (const id of await storedDevicesAt(SQL.devicesAtChannel, [scan.site, via.ip, via.channel], claimed)) {
        if (!claimed.has(id) && !mergedAway.has(id) && !(await conflicts(group, id))) return id;
      }
      return undefined;
    }
    // Last resort: the device that last used one of these addresses at this site, if nothing says it is another.
    // Addresses are private ranges that sites reuse, so this never looks at another site's devices.
    for (const address of group.addresses) {
      for (const id of await storedDevicesAt(SQL.devicesAtAddress, [scan.site, address], claimed)) {
        if (!claimed.has(id) && !mergedAway.has(id) && !(await conflicts(group, id))) return id;
      }
    }
    return undefined;
  }

  /** A MAC, serial or endpoint of a device known at another site was seen here: the device moved. */
  async function moveIfElsewhere(deviceId: string, scan: ScanRow): Promise<void> {
    const device = await deviceRow(deviceId);
    if (device.origin_site === scan.site) return;
    const at = context.now();
    await db.run(SQL.moveDevice, [scan.site, scan.site, device.origin_site, at, deviceId]);
    await history(deviceId, scan.id, 'moved', 'site', device.origin_site, scan.site);
    log.warn({ deviceId, from: device.origin_site, to: scan.site, scanId: scan.id }, 'a device known at another site was seen here: flagged as moved');
  }

  /** Two device rows turned out to be one (a later observation carried keys of both): keep `winner`. */
  async function mergeDevices(winnerId: string, loserId: string, scanId: string): Promise<void> {
    const winner = await deviceRow(winnerId);
    const loser = await deviceRow(loserId);
    await db.run(SQL.moveKeys, [winnerId, loserId]);
    await db.run(SQL.copyDeviceObservations, [winnerId, loserId]);
    await db.run(SQL.copyDeviceScans, [winnerId, loserId]);
    await db.run(SQL.moveHistory, [winnerId, loserId]);
    await db.run(SQL.deleteDevice, [loserId]);
    mergedAway.add(loserId);
    const keepStatus = winner.status === 'found' && loser.status !== 'found';
    await updateUser(winnerId, {
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
    const merged = await deviceRow(winnerId);
    await updateSeen(winnerId, {
      ...merged,
      addresses: JSON.stringify(unionList(jsonStrings(merged.addresses), jsonStrings(loser.addresses))),
      ports: JSON.stringify(unionList(jsonNumbers(merged.ports), jsonNumbers(loser.ports)).sort((a, b) => a - b)),
      sources: JSON.stringify(unionList(jsonStrings(merged.sources), jsonStrings(loser.sources))),
      first_seen: merged.first_seen < loser.first_seen ? merged.first_seen : loser.first_seen,
      last_seen: merged.last_seen > loser.last_seen ? merged.last_seen : loser.last_seen,
      updated_at: context.now(),
    });
    await history(winnerId, scanId, 'merged', 'id', loserId, winnerId);
    log.info({ winnerId, loserId, scanId }, 'two devices turned out to be one; merged');
  }

  async function updateUser(id: string, row: Record<(typeof DEVICE_USER_COLUMNS)[number], string | number | null>): Promise<void> {
    await db.run(SQL.updateDeviceUser, [...valuesOf(DEVICE_USER_COLUMNS, row), id]);
  }

  async function updateSeen(id: string, row: Record<(typeof DEVICE_SEEN_COLUMNS)[number], string | number | null>): Promise<void> {
    await db.run(SQL.updateDeviceSeen, [...valuesOf(DEVICE_SEEN_COLUMNS, row), id]);
  }

  /** The row a new device starts from (apply writes it, once, with what the scan says of it). */
  function newDeviceRow(id: string, group: ObservationGroup, scan: ScanRow): DeviceRow {
    const seen = seenRange(group.observations);
    return {
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
      moved_from: null,
      moved_at: null,
      via_device_id: null,
      via_ip: null,
      via_channel: null,
      cloud: 'unknown',
    };
  }

  async function linkGroup(deviceId: string, group: ObservationGroup): Promise<void> {
    for (const kind of KEY_KINDS) for (const value of group.keys[kind]) await db.run(SQL.insertKey, [kind, value, deviceId]);
    for (const observation of group.observations) await db.run(SQL.linkObservation, [deviceId, observation.id]);
  }

  /** The latest view each channel had of the device: per source, the observations of its most recent sighting scan. */
  async function observationsForIdentification(deviceId: string): Promise<Observation[]> {
    return latestPerSource(await db.all<SightingRow>(SQL.recentSightingsOfDevice, [deviceId, INVENTORY_LIMITS.maxSightingsRead]));
  }

  /** Sightings per observation id of the groups about to be written (prefetchSightings), taken once each. */
  const prefetched = new Map<string, SightingRow[]>();

  /**
   * Reads, in one query per PREFETCH_IDS observation ids, the sightings of the groups from `from` on that a new
   * device would read one query each (a first import creates a device per group); returns the index of the first
   * group not read. A group larger than a window is left to observationsForNewDevice's own reads.
   */
  async function prefetchSightings(groups: readonly ObservationGroup[], from: number): Promise<number> {
    const ids: string[] = [];
    let next = from;
    while (next < groups.length) {
      const count = groups[next]!.observations.length;
      if (ids.length + count > PREFETCH_IDS) break;
      for (const observation of groups[next]!.observations) ids.push(observation.id);
      next += 1;
    }
    if (ids.length === 0) return next + 1;
    for (const id of ids) prefetched.set(id, []);
    for (const row of await db.all<SightingRow>(SQL.sightingsOfObservations(PREFETCH_IDS), paddedTo(ids, PREFETCH_IDS))) prefetched.get(row.id!)?.push(row);
    return next;
  }

  /** The prefetched sightings of these observations, or undefined when any was not prefetched; forgets them. */
  function takePrefetched(observationIds: readonly string[]): SightingRow[] | undefined {
    if (!observationIds.every((id) => prefetched.has(id))) return undefined;
    const rows: SightingRow[] = [];
    for (const id of new Set(observationIds)) {
      rows.push(...prefetched.get(id)!);
      prefetched.delete(id);
    }
    return rows;
  }

  /** observationsForIdentification of a device not written yet, whose observations are these (and no others). */
  async function observationsForNewDevice(observationIds: readonly string[]): Promise<Observation[]> {
    const limit = INVENTORY_LIMITS.maxSightingsRead;
    const read = takePrefetched(observationIds);
    if (read !== undefined) return latestPerSource(latestFirst(read).slice(0, limit));
    if (observationIds.length <= IDS_PER_QUERY) return latestPerSource(await db.all<SightingRow>(SQL.recentSightingsOfObservations(observationIds.length), [...observationIds, limit]));
    // A large group is read in parts, each part's latest sightings, then the latest of all (the same rows, in the same order).
    const rows: SightingRow[] = [];
    for (let start = 0; start < observationIds.length; start += IDS_PER_QUERY) {
      const part = observationIds.slice(start, start + IDS_PER_QUERY);
      rows.push(...(await db.all<SightingRow>(SQL.recentSightingsOfObservations(part.length), [...part, limit])));
    }
    return latestPerSource(latestFirst(rows).slice(0, limit));
  }

  function latestPerSource(rows: readonly SightingRow[]): Observation[] {
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

  async function identifySafely(deviceId: string, previous: Identification, read?: Observation[]): Promise<Identification> {
    const observations = read ?? (await observationsForIdentification(deviceId));
    try {
      return context.identify(observations);
    } catch (error) {
      // A matcher bug must not lose a scan: keep the previous verdict, say so.
      log.error({ err: error, deviceId }, 'identify failed; keeping the previous identification');
      return previous;
    }
  }

  /**
   * Writes what the group says into device `deviceId`. A new device (`created`) is identified before its row exists
   * and then inserted once with its final values: an insert followed by an update would write each of the devices
   * table's many indexes twice, the largest cost of a first import of many devices.
   */
  async function apply(deviceId: string, group: ObservationGroup, scan: ScanRow, created: boolean, evidence: ClaimEvidence): Promise<boolean> {
    const before = created ? newDeviceRow(deviceId, group, scan) : await deviceRow(deviceId);
    if (!created) await linkGroup(deviceId, group);
    const seen = seenRange(group.observations);
    // A camera seen both on the LAN and behind an NVR is reachable at its LAN address: that one is its address.
    // A switch-table row (no address) is direct too, but says nothing of the address.
    const direct = group.observations.find((observation) => observation.via === undefined);
    const ip = group.observations.find((observation) => observation.via === undefined && observation.ip !== '')?.ip ?? group.addresses[0] ?? before.ip;
    if (!created && before.ip !== ip) await history(deviceId, scan.id, 'address', 'ip', before.ip, ip);

    const previous = identificationFromJson(before.identification);
    const identification = await identifySafely(deviceId, previous, created ? await observationsForNewDevice(group.observations.map((observation) => observation.id)) : undefined);
    // A MAC or serial the matcher read from a reply is a claim too: not when an address table shows another MAC
    // here or places the claimed one elsewhere, nor when another device holds it.
    const identifiedMac = keyOfMac(identification.mac);
    const mac =
      before.mac ??
      group.keys.mac[0] ??
      (identifiedMac !== undefined && !evidence.contradictsMac(group.addresses, identifiedMac) && !evidence.refutes(group.addresses, 'mac', identifiedMac) && !(await heldByAnother('mac', identifiedMac, deviceId))
        ? identifiedMac
        : null);
    const identifiedSerial = keyOfSerial(identification.serial);
    const serial =
      before.serial ??
      group.keys.serial[0] ??
      (identifiedSerial !== undefined && !evidence.refutes(group.addresses, 'serial', identifiedSerial) && !(await heldByAnother('serial', identifiedSerial, deviceId)) ? identifiedSerial : null);

    const firmware = identification.firmware?.raw ?? null;
    if (!created && before.firmware !== null && firmware !== null && before.firmware !== firmware) {
      await history(deviceId, scan.id, 'firmware', 'firmware', before.firmware, firmware);
    }
    const beforeLabel = labelOf(before.vendor, before.brand, before.model);
    const afterLabel = labelOf(identification.vendor, identification.brand, identification.model);
    if (!created && beforeLabel !== afterLabel && afterLabel !== '') await history(deviceId, scan.id, 'identification', 'vendor/brand/model', beforeLabel || null, afterLabel);

    let alert = before.alert;
    let alertAt = before.alert_at;
    const alerted = before.status === 'replaced' || before.status === 'removed';
    if (alerted) {
      alert = `seen again at ${ip} on ${seen.last} after being marked ${before.status}`;
      alertAt = seen.last;
      await history(deviceId, scan.id, 'alert', 'status', before.status, alert);
      log.warn({ deviceId, ip, status: before.status, scanId: scan.id }, 'a device marked replaced or removed was seen again');
    }
    const seenRow = {
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
    };
    const cloud = identification.cloud?.state ?? 'unknown';
    // Behind an NVR in this scan, or seen only directly (moved to a switch): the latest scan says where it is.
    const via = viaOfGroup(group);
    // A switch table says where the device is plugged in: the location, unless the user has written one.
    const location = switchLocation(group.observations);
    if (created) {
      const behind = via !== undefined && direct === undefined ? via : undefined;
      await db.run(SQL.insertIdentifiedDevice, [...valuesOf(DEVICE_COLUMNS, { ...before, ...seenRow, location: location ?? null }), cloud, behind?.ip ?? null, behind?.channel ?? null]);
      await history(deviceId, scan.id, 'created', 'ip', null, group.addresses[0] ?? null);
      await linkGroup(deviceId, group);
    } else {
      await updateSeen(deviceId, seenRow);
      await db.run(SQL.updateDeviceCloud, [cloud, deviceId]);
      if (via !== undefined && direct === undefined) await db.run(SQL.updateDeviceVia, [before.via_ip === via.ip ? before.via_device_id : null, via.ip, via.channel, deviceId]);
      else if (before.via_ip !== null) await db.run(SQL.updateDeviceVia, [null, null, null, deviceId]);
      if (location !== undefined && location !== before.location) await db.run(SQL.setSwitchLocation, [location, deviceId, `${SWITCH_LOCATION_PREFIX}%`]);
    }
    // Keys the matcher found that the key table did not: take them when no other device holds them.
    if (mac) await db.run(SQL.insertKey, ['mac', mac, deviceId]);
    if (serial) await db.run(SQL.insertKey, ['serial', serial, deviceId]);
    await db.run(SQL.upsertDeviceScan, [deviceId, scan.id, ip, mac, identification.vendor, identification.brand, identification.model, firmware, seen.last]);
    return alerted;
  }

  /** Names the NVR device of each camera behind one: the device of this scan at the NVR's address (else the latest one there). */
  async function linkRecorders(scan: ScanRow, outcomes: readonly GroupOutcome[]): Promise<void> {
    // Only the cameras behind an NVR are read back (most scans have none): a large import must not re-read every row.
    const behind = await db.all<{ id: string; via_ip: string; via_channel: number | null; via_device_id: string | null }>(SQL.viaDevicesOfScan, [scan.id]);
    if (behind.length === 0) return;
    const order = new Map<string, number>();
    outcomes.forEach((outcome, index) => {
      if (!order.has(outcome.deviceId)) order.set(outcome.deviceId, index);
    });
    for (const row of behind) {
      // Devices written by this call only (a large scan is written in parts, each holding its cameras' NVRs).
      if (!order.has(row.id)) continue;
      // The first device of this scan (in the order the groups were written) at the NVR's address, not itself behind one.
      let recorder: string | null = null;
      let first = Infinity;
      for (const { id } of await db.all<{ id: string }>(SQL.directDevicesOfScanAt, [scan.id, row.via_ip])) {
        const index = order.get(id);
        if (index !== undefined && index < first) [recorder, first] = [id, index];
      }
      recorder ??= (await db.get<{ id: string }>(SQL.devicesAtAddress, [scan.site, row.via_ip]))?.id ?? null;
      if (recorder !== row.via_device_id) await db.run(SQL.updateDeviceVia, [recorder, row.via_ip, row.via_channel, row.id]);
    }
  }

  return {
    /**
     * Writes every group of one scan (or of one part of it: `claimed` then carries the devices the parts before took);
     * groups with strong keys first, so address-only groups cannot take their device.
     */
    async writeScanGroups(scan: ScanRow, groups: readonly ObservationGroup[], evidence: ClaimEvidence, claimed = new Set<string>()): Promise<GroupOutcome[]> {
      const strong = (group: ObservationGroup): boolean => KEY_KINDS.some((kind) => group.keys[kind].length > 0);
      // Groups whose keys the scan corroborates go first, so the device that really holds a key claims it before
      // anything that merely says it: the order of replies must not decide who is who.
      const trustOf = (group: ObservationGroup): number =>
        KEY_KINDS.reduce((sum, kind) => sum + group.keys[kind].filter((value) => evidence.corroborates(group.addresses, kind, value)).length, 0) -
        group.keys.mac.filter((mac) => evidence.contradictsMac(group.addresses, mac)).length;
      // Each group's trust computed once, not at every comparison of the sort (a stable sort: equal trust keeps order).
      const trusted = groups.filter(strong).map((group) => ({ group, trust: trustOf(group) }));
      const ordered = [...trusted.sort((a, b) => b.trust - a.trust).map(({ group }) => group), ...groups.filter((group) => !strong(group))];
      const outcomes: GroupOutcome[] = [];
      let prefetchedUpTo = 0;
      for (const [index, group] of ordered.entries()) {
        if (index >= prefetchedUpTo) prefetchedUpTo = await prefetchSightings(ordered, index);
        const refused: string[] = [];
        const existing = await resolve(group, scan, claimed, evidence, refused);
        const deviceId = existing ?? timeOrderedDeviceId();
        let alerted = await apply(deviceId, group, scan, existing === undefined, evidence);
        // The record of whoever made the refused claims says so too.
        if (refused.length > 0) {
          await conflict(deviceId, scan, 'claim', `${group.addresses.join(', ')} claimed ${refused.join('; ')}; not trusted`, seenRange(group.observations).last);
          alerted = true;
        }
        claimed.add(deviceId);
        outcomes.push({ deviceId, created: existing === undefined, alerted });
        // A group written into a stored device did not take what was read ahead for it.
        for (const observation of group.observations) prefetched.delete(observation.id);
      }
      // A device is behind an NVR after apply only when its group was seen through one and never directly: a scan
      // with no such group (any import but of an NVR's channels) need not read its devices back.
      if (ordered.some((group) => viaOfGroup(group) !== undefined && !hasDirectObservation(group))) await linkRecorders(scan, outcomes);
      return outcomes.map((outcome) => (conflicted.has(outcome.deviceId) ? { ...outcome, alerted: true } : outcome));
    },
    /** Whether this writer merged the device away into another (deleted it). */
    mergedAway: (deviceId: string): boolean => mergedAway.has(deviceId),
    /** Devices given a conflict alert so far by this writer (one writer per merge: a scan's parts share it). */
    conflicted: (): ReadonlySet<string> => conflicted,
    /** Refused claims recorded but not logged one by one (beyond INVENTORY_LIMITS.conflictWarningsPerScan). */
    conflictsNotLogged: (): number => conflictsNotLogged,
    history,
  };
}

export type DeviceWriter = ReturnType<typeof createDeviceWriter>;

/** Sightings in recentSightingsOfObservations' order: latest first, then by observation id. */
function latestFirst(rows: SightingRow[]): SightingRow[] {
  const order = (row: SightingRow): string => row.id ?? '';
  return rows.sort((a, b) => (a.observed_at < b.observed_at ? 1 : a.observed_at > b.observed_at ? -1 : order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/** The NVR and channel of the group's latest observation made through an NVR, if any. */
function viaOfGroup(group: ObservationGroup): { ip: string; channel: number } | undefined {
  let latest: MergeObservation | undefined;
  for (const observation of group.observations) if (observation.via && (!latest || observation.observedAt >= latest.observedAt)) latest = observation;
  return latest?.via ? { ip: latest.via.ip, channel: latest.via.channel } : undefined;
}

function hasDirectObservation(group: ObservationGroup): boolean {
  return group.observations.some((observation) => observation.via === undefined);
}

function seenRange(observations: readonly MergeObservation[]): { first: string; last: string } {
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
