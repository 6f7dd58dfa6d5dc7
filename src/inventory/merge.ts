import type { Observation } from '../model.js';
import { KEY_KINDS, keysOfObservation, type KeyKind, type ObservationKeys } from './keys.js';
import { INVENTORY_LIMITS } from '../config.js';

// Grouping one scan's observations into the devices they describe. Pure: no database, no clock.
//   1. observations sharing a MAC, a serial or an endpoint UUID are one device (strong keys);
//   2. within the same scan, observations of the same address are one device too (a camera behind an NVR has no
//      address of its own on the LAN: its place is the NVR's address and channel, since two NVRs may both put a
//      camera at 192.168.254.2) (this is how a neighbour-table
//      entry lends its MAC to the HTTP banner of that address), unless the two sides already carry different
//      MACs: several factory-default devices can answer SADP from the same 192.0.0.64.

export interface ObservationGroup {
  observations: Observation[];
  keys: Record<KeyKind, string[]>;
  /** Addresses in the group, the most observed first. */
  addresses: string[];
  ports: number[];
}

class DisjointSets {
  private readonly parent: number[];
  readonly macs: Set<string>[];

  constructor(size: number, macs: Set<string>[]) {
    this.parent = Array.from({ length: size }, (_, index) => index);
    this.macs = macs;
  }

  find(index: number): number {
    let root = index;
    while (this.parent[root] !== root) root = this.parent[root]!;
    // Path compression keeps later finds flat.
    let node = index;
    while (this.parent[node] !== root) {
      const next = this.parent[node]!;
      this.parent[node] = root;
      node = next;
    }
    return root;
  }

  union(a: number, b: number): void {
    const rootA = this.find(a);
    const rootB = this.find(b);
    if (rootA === rootB) return;
    this.parent[rootB] = rootA;
    for (const mac of this.macs[rootB]!) this.macs[rootA]!.add(mac);
  }

  /** Two groups may be joined by address only when they do not carry different MACs. */
  compatibleByAddress(a: number, b: number): boolean {
    const macsA = this.macs[this.find(a)]!;
    const macsB = this.macs[this.find(b)]!;
    if (macsA.size === 0 || macsB.size === 0) return true;
    for (const mac of macsA) if (macsB.has(mac)) return true;
    return false;
  }
}


function dropSharedMacs(observations: readonly Observation[], keys: ObservationKeys[]): void {
  const addressesOfMac = new Map<string, Set<string>>();
  keys.forEach((entry, index) => {
    for (const mac of entry.mac) {
      const addresses = addressesOfMac.get(mac) ?? new Set<string>();
      addresses.add(placeOf(observations[index]!));
      addressesOfMac.set(mac, addresses);
    }
  });
  const shared = new Set([...addressesOfMac].filter(([, addresses]) => addresses.size > INVENTORY_LIMITS.maxAddressesPerMac).map(([mac]) => mac));
  if (shared.size === 0) return;
  for (const entry of keys) entry.mac = entry.mac.filter((mac) => !shared.has(mac));
}

/** Where an observation was seen, for joins by address: the NVR and channel for a camera behind an NVR. */
export function placeOf(observation: Observation): string {
  return observation.via ? `via ${observation.via.ip} channel ${observation.via.channel}` : observation.ip;
}

export function groupObservations(observations: readonly Observation[]): ObservationGroup[] {
  const keys = observations.map(keysOfObservation);
  dropSharedMacs(observations, keys);
  const sets = new DisjointSets(
    observations.length,
    keys.map((entry) => new Set(entry.mac)),
  );
  for (const kind of KEY_KINDS) {
    const firstWithValue = new Map<string, number>();
    keys.forEach((entry, index) => {
      for (const value of entry[kind]) {
        const first = firstWithValue.get(value);
        if (first === undefined) firstWithValue.set(value, index);
        else sets.union(first, index);
      }
    });
  }
  // Address joins come last, so that they see every MAC the strong keys have already gathered.
  const byAddress = new Map<string, number[]>();
  observations.forEach((observation, index) => {
    // No address (a switch table row): nothing to join by.
    if (observation.ip === '') return;
    const place = placeOf(observation);
    const list = byAddress.get(place) ?? [];
    list.push(index);
    byAddress.set(place, list);
  });
  for (const indexes of byAddress.values()) {
    for (let i = 1; i < indexes.length; i += 1) {
      for (let j = 0; j < i; j += 1) {
        if (sets.find(indexes[i]!) === sets.find(indexes[j]!)) break;
        if (sets.compatibleByAddress(indexes[i]!, indexes[j]!)) {
          sets.union(indexes[j]!, indexes[i]!);
          break;
        }
      }
    }
  }
  const groups = new Map<number, number[]>();
  observations.forEach((_, index) => {
    const root = sets.find(index);
    const list = groups.get(root) ?? [];
    list.push(index);
    groups.set(root, list);
  });
  return [...groups.values()].map((indexes) => buildGroup(indexes.map((index) => observations[index]!), indexes.map((index) => keys[index]!)));
}

function buildGroup(observations: Observation[], keys: Record<KeyKind, string[]>[]): ObservationGroup {
  const merged: Record<KeyKind, string[]> = { mac: [], serial: [], endpoint: [] };
  for (const entry of keys) {
    for (const kind of KEY_KINDS) for (const value of entry[kind]) if (!merged[kind].includes(value)) merged[kind].push(value);
  }
  return { observations, keys: merged, addresses: rankAddresses(observations), ports: collectPorts(observations) };
}

/** Most observed address first; ties go to the latest sighting. */
function rankAddresses(observations: readonly Observation[]): string[] {
  const stats = new Map<string, { count: number; latest: string }>();
  for (const observation of observations) {
    if (observation.ip === '') continue;
    const entry = stats.get(observation.ip) ?? { count: 0, latest: '' };
    entry.count += 1;
    if (observation.observedAt > entry.latest) entry.latest = observation.observedAt;
    stats.set(observation.ip, entry);
  }
  return [...stats.entries()]
    .sort(([, a], [, b]) => b.count - a.count || (a.latest < b.latest ? 1 : a.latest > b.latest ? -1 : 0))
    .map(([address]) => address);
}

function collectPorts(observations: readonly Observation[]): number[] {
  const ports = new Set<number>();
  for (const observation of observations) if (observation.port !== undefined) ports.add(observation.port);
  return [...ports].sort((a, b) => a - b);
}

/** Union of two lists, order kept (existing first). */
export function unionList<T>(existing: readonly T[], added: readonly T[]): T[] {
  const result = [...existing];
  for (const value of added) if (!result.includes(value)) result.push(value);
  return result;
}

/** What a location written from a switch table starts with: such a location is the table's to update, a user's is not. */
export const SWITCH_LOCATION_PREFIX = 'seen on switch';

/** Where the latest switch table row of a group puts the device ("seen on switch SW1 port Gi0/1, VLAN 10"), if any. */
export function switchLocation(observations: readonly Observation[]): string | undefined {
  let latest: Observation | undefined;
  for (const observation of observations) if (observation.switchPort && (!latest || observation.observedAt >= latest.observedAt)) latest = observation;
  const where = latest?.switchPort;
  if (!where || (!where.switch && !where.port && !where.vlan)) return undefined;
  const parts = [SWITCH_LOCATION_PREFIX, where.switch ?? '(unnamed)', ...(where.port ? ['port', where.port] : [])];
  return `${parts.join(' ')}${where.vlan ? `, VLAN ${where.vlan}` : ''}`;
}
