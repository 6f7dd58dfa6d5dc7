import type { Observation } from '../model.js';
import { INVENTORY_LIMITS } from '../config.js';
import { keysOfObservation, KEY_KINDS, type ObservationKeys } from './keys.js';
import { ADDRESS_TABLE_SOURCES, type MergeObservation } from './merge.js';
import { observationFromRaw } from './rows.js';
import { paddedTo, type SqlRunner } from './sql.js';
import { SQL } from './statements.js';
import { UnionFind } from './union-find.js';

// A scan's observations as finishScan merges them, in memory that does not grow with the scan.
//
// Grouping reads compact records (MergeObservation and each one's keys), not whole observations. A scan of more
// than `partSize` of them (a first import of a large site) is merged in parts: each part a union of whole connected
// components of the scan, where two observations are connected when they share a place, an address (the address an
// NVR's camera is reached through counts as one of its addresses), a key value, or a stored device both could be
// written into. Every join grouping can make, every piece of claim evidence a group is judged by, and every stored
// device two groups could contend for lies inside one component, so each part groups and writes as the whole scan
// would. Components are found with a union-find over hashes of those tokens, held in typed arrays (a few
// dozen bytes per observation): a hash collision only joins two components that need not be joined (a larger
// part), it never splits one. Each part's observations are then read again by id and handed out in the order they
// were seen.

export interface ScanPart {
  observations: MergeObservation[];
  keys: ObservationKeys[];
  /**
   * When the scan is merged in parts into an inventory that held devices: per MAC, the addresses where the whole
   * scan's address tables show it. A stored device's last table MAC (device-writer.ts, claimAccepted) may be shown
   * in another part. A MAC shown at more
   * addresses than one device has is left out, as grouping drops it (counting table entries only).
   */
  scanTablePlaces?: ScanTablePlaces;
}

/**
 * Per MAC, the addresses where the whole scan's address tables show it. Held for the whole merge, so compact: a MAC
 * shown at one address (nearly all of them) keeps that address as a plain string; a Set per MAC was most of the
 * memory a first import of 100,000 devices held.
 */
export class ScanTablePlaces {
  private readonly places = new Map<string, string | string[]>();

  add(mac: string, address: string): void {
    const held = this.places.get(mac);
    if (held === undefined) this.places.set(mac, address);
    else if (typeof held === 'string') {
      if (held !== address) this.places.set(mac, [held, address]);
    } else if (!held.includes(address)) held.push(address);
  }

  get(mac: string): ReadonlySet<string> | undefined {
    const held = this.places.get(mac);
    return held === undefined ? undefined : new Set(typeof held === 'string' ? [held] : held);
  }

  /** Forgets every MAC shown at more than `max` addresses (grouping drops such a MAC as a key). */
  dropSharedBeyond(max: number): void {
    for (const [mac, held] of this.places) if (typeof held !== 'string' && held.length > max) this.places.delete(mac);
  }
}

/** Sightings read per query. */
const PAGE = 1000;
/** Observation ids bound per query when a part is read back (padded to this, so one statement serves every read). */
const IDS_PER_READ = 500;
const HEX_ID = /^[0-9a-f]{32}$/;

interface SightingPageRow {
  raw: string;
  agent: string;
  observed_at: string;
  observation_id: string;
}

/** The compact record of one observation, and its keys. */
function compact(full: Observation, sources: Map<string, string>): { observation: MergeObservation; keys: ObservationKeys } {
  // One string per source name, not one per row.
  const source = sources.get(full.source) ?? full.source;
  sources.set(source, source);
  const observation: MergeObservation = { id: full.id, ip: full.ip, source, observedAt: full.observedAt };
  if (full.port !== undefined) observation.port = full.port;
  if (full.via !== undefined) observation.via = full.via;
  if (full.switchPort !== undefined) observation.switchPort = full.switchPort;
  return { observation, keys: keysOfObservation(full) };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Records in the order the scan saw them (time, then id), as finishScan has always grouped them. */
function inSeenOrder(records: { observation: MergeObservation; keys: ObservationKeys }[]): ScanPart {
  records.sort((a, b) => compareText(a.observation.observedAt, b.observation.observedAt) || compareText(a.observation.id, b.observation.id));
  return { observations: records.map((record) => record.observation), keys: records.map((record) => record.keys) };
}

/** Every sighting of the scan, page by page, in observation id order (the primary key's own index). */
async function* scanPages(tx: SqlRunner, scanId: string): AsyncGenerator<SightingPageRow[]> {
  for (let after = ''; ; ) {
    const rows = await tx.all<SightingPageRow>(SQL.scanSightingsPage, [scanId, after, PAGE]);
    if (rows.length > 0) yield rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.observation_id;
  }
}

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** What connects an observation to others: its place and addresses, and its key values. */
function tokensOf(observation: Observation, keys: ObservationKeys): string[] {
  const tokens: string[] = [];
  // A row with no address (a switch table) joins others by its keys only.
  if (observation.ip !== '') tokens.push(`a ${observation.ip}`);
  if (observation.via) tokens.push(`p ${observation.via.ip} ${observation.via.channel}`, `a ${observation.via.ip}`);
  for (const kind of KEY_KINDS) for (const value of keys[kind]) tokens.push(`k ${kind} ${value}`);
  return tokens;
}

/** The scan's observations in parts of about `partSize` (one part when the scan is no larger), for finishScan. */
/**
 * The stored devices the observation could be written into (by a key it carries, by its address or its NVR channel
 * at the scan's site): groups that could take the same device are written in one part, in the order the whole scan
 * would write them (strong keys first, so an address-only group cannot take a device another group claims by key).
 */
async function storedDeviceTokens(tx: SqlRunner, site: string, observation: Observation, keys: ObservationKeys): Promise<string[]> {
  const ids = new Set<string>();
  for (const kind of KEY_KINDS) {
    for (const value of keys[kind]) {
      const row = await tx.get<{ device_id: string }>(SQL.selectKey, [kind, value]);
      if (row) ids.add(row.device_id);
    }
  }
  if (observation.ip !== '') for (const { id } of await tx.all<{ id: string }>(SQL.devicesAtAddress, [site, observation.ip])) ids.add(id);
  if (observation.via) for (const { id } of await tx.all<{ id: string }>(SQL.devicesAtChannel, [site, observation.via.ip, observation.via.channel])) ids.add(id);
  return [...ids].map((id) => `d ${id}`);
}

/**
 * Observations into parts: `tokens` (hash × indexScale + sequence, sorted here in place) joins the observations that
 * share a token into components, and whole components fill parts of about `partSize` in order of their first
 * observation (a component larger than a part is a part). Returns the sequences grouped by part (`byPart`, part p
 * from starts[p] to starts[p + 1]).
 */
function partition(tokens: Float64Array, count: number, indexScale: number, partSize: number): { starts: Int32Array; byPart: Int32Array; parts: number } {
  tokens.sort();
  const components = new UnionFind(count);
  for (let index = 1; index < tokens.length; index += 1) {
    if (Math.floor(tokens[index]! / indexScale) === Math.floor(tokens[index - 1]! / indexScale)) {
      components.union(tokens[index - 1]! % indexScale, tokens[index]! % indexScale);
    }
  }
  const sizes = new Int32Array(count);
  for (let sequence = 0; sequence < count; sequence += 1) sizes[components.find(sequence)]! += 1;
  const partOfRoot = new Int32Array(count).fill(-1);
  let parts = 0;
  let filled = partSize;
  for (let sequence = 0; sequence < count; sequence += 1) {
    const root = components.find(sequence);
    if (partOfRoot[root] !== -1) continue;
    if (filled + sizes[root]! > partSize && filled > 0) {
      parts += 1;
      filled = 0;
    }
    partOfRoot[root] = parts - 1;
    filled += sizes[root]!;
  }
  // Sequences grouped by part (a counting sort), so each part's ids are found without a scan of all.
  const starts = new Int32Array(parts + 1);
  for (let sequence = 0; sequence < count; sequence += 1) starts[partOfRoot[components.find(sequence)]! + 1]! += 1;
  for (let part = 0; part < parts; part += 1) starts[part + 1]! += starts[part]!;
  const next = starts.slice(0, parts);
  const byPart = new Int32Array(count);
  for (let sequence = 0; sequence < count; sequence += 1) byPart[next[partOfRoot[components.find(sequence)]!]!++] = sequence;
  return { starts, byPart, parts };
}

export async function* readScanParts(tx: SqlRunner, scanId: string, site: string, partSize: number): AsyncGenerator<ScanPart> {
  const sources = new Map<string, string>();
  const total = Number((await tx.get<{ count: number | string }>(SQL.countScanSightings, [scanId]))?.count ?? 0);
  if (total <= partSize) {
    const records: { observation: MergeObservation; keys: ObservationKeys }[] = [];
    for await (const rows of scanPages(tx, scanId)) {
      for (const row of rows) {
        const full = observationFromRaw(row.raw, { scanId, agent: row.agent, observedAt: row.observed_at });
        if (full) records.push(compact(full, sources));
      }
    }
    yield inSeenOrder(records);
    return;
  }

  // Pass 1: each observation's id (16 bytes) and its tokens' hashes, packed with its sequence number into one
  // float64 each (hash × 2^indexBits + sequence, exact below 2^53), so that a native sort brings equal tokens together.
  const indexBits = Math.max(1, Math.ceil(Math.log2(total + 1)));
  const hashScale = 2 ** Math.min(32, 53 - indexBits);
  const indexScale = 2 ** indexBits;
  const ids = new Uint8Array(total * 16);
  const otherIds = new Map<number, string>();
  let packed = new Float64Array(total * 3);
  const tablePlaces = new ScanTablePlaces();
  // A first import into an empty inventory: no observation can be written into a stored device.
  const noStoredDevices = (await tx.get(SQL.anyDevice)) === undefined;
  let tokenCount = 0;
  let count = 0;
  for await (const rows of scanPages(tx, scanId)) {
    for (const row of rows) {
      const full = observationFromRaw(row.raw, { scanId, agent: row.agent, observedAt: row.observed_at });
      // Sightings committed after the count (a concurrent batch of a pushed scan) are left out, as a merge that read
      // the scan once, before them, would have left them.
      if (!full || count >= total) continue;
      const sequence = count;
      count += 1;
      if (HEX_ID.test(row.observation_id)) {
        for (let byte = 0; byte < 16; byte += 1) ids[sequence * 16 + byte] = parseInt(row.observation_id.slice(byte * 2, byte * 2 + 2), 16);
      } else {
        otherIds.set(sequence, row.observation_id);
      }
      const keys = keysOfObservation(full);
      // Into an empty inventory, every device a part can be written into was created by that part, and its table
      // MACs are the part's own: no lookup reaches the scan's table places, which at 1,000,000 devices took 80 MB.
      if (!noStoredDevices && ADDRESS_TABLE_SOURCES.has(full.source) && !full.via && full.ip !== '') {
        for (const mac of keys.mac) tablePlaces.add(mac, full.ip);
      }
      for (const token of [...tokensOf(full, keys), ...(noStoredDevices ? [] : await storedDeviceTokens(tx, site, full, keys))]) {
        if (tokenCount === packed.length) {
          const grown = new Float64Array(packed.length * 2);
          grown.set(packed);
          packed = grown;
        }
        packed[tokenCount] = (hash32(token) % hashScale) * indexScale + sequence;
        tokenCount += 1;
      }
    }
  }
  tablePlaces.dropSharedBeyond(INVENTORY_LIMITS.maxAddressesPerMac);
  // Only what reads the parts back is kept across them: the tokens, the sets and the sizes die here (at 1,000,000
  // observations some 40 MB that a generator's locals would otherwise hold until the last part).
  const { starts, byPart, parts } = partition(packed.subarray(0, tokenCount), count, indexScale, partSize);
  packed = new Float64Array(0);

  const idOf = (sequence: number): string => {
    const other = otherIds.get(sequence);
    if (other !== undefined) return other;
    let text = '';
    for (let byte = 0; byte < 16; byte += 1) text += ids[sequence * 16 + byte]!.toString(16).padStart(2, '0');
    return text;
  };
  const readSql = SQL.scanSightingsOf(IDS_PER_READ);
  for (let part = 0; part < parts; part += 1) {
    const records: { observation: MergeObservation; keys: ObservationKeys }[] = [];
    for (let start = starts[part]!; start < starts[part + 1]!; start += IDS_PER_READ) {
      const wanted: string[] = [];
      for (let index = start; index < Math.min(start + IDS_PER_READ, starts[part + 1]!); index += 1) wanted.push(idOf(byPart[index]!));
      for (const row of await tx.all<SightingPageRow>(readSql, [scanId, ...paddedTo(wanted, IDS_PER_READ)])) {
        const full = observationFromRaw(row.raw, { scanId, agent: row.agent, observedAt: row.observed_at });
        if (full) records.push(compact(full, sources));
      }
    }
    yield noStoredDevices ? inSeenOrder(records) : { ...inSeenOrder(records), scanTablePlaces: tablePlaces };
  }
}
