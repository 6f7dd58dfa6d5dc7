import type { Observation } from '../model.js';
import { KEY_KINDS, keysOfObservation, type KeyKind, type ObservationKeys } from './keys.js';
import { INVENTORY_LIMITS } from '../config.js';
import { UnionFind } from './union-find.js';

// Grouping one scan's observations into the devices they describe. Pure: no database, no clock.
//   1. observations of one address sharing a MAC, a serial or an endpoint UUID are one device (strong keys);
//   2. observations of different addresses sharing such a key are one device only when something corroborates the
//      claim (a device says what it likes about itself; a hostile one claims another's MAC and serial):
//      - the two addresses' address-table MACs (kernel neighbour table, DHCP leases) do not disagree (two NICs are
//        two devices), and
//      - neither address contests the other's MAC: when both say "I am MAC m" over their own channels and the tables
//        show m at only one of them, the other is an impostor of it, whatever key they share and however many
//        channels it repeats the claim on (two channels of one sender are not independent), and
//      - for a MAC, an address table shows that MAC at one of the addresses (uncontested: the same interface at an
//        address the tables cannot see, such as a factory-default 192.0.0.64), or each address makes the claim over
//        two channels; for a serial or an endpoint, each address makes the claim over two channels;
//   3. within the same scan, observations of the same address are one device too (a camera behind an NVR has no
//      address of its own on the LAN: its place is the NVR's address and channel, since two NVRs may both put a
//      camera at 192.168.254.2) (this is how a neighbour-table
//      entry lends its MAC to the HTTP banner of that address), unless the two sides already carry different
//      MACs: several factory-default devices can answer SADP from the same 192.0.0.64. A MAC that the address's own
//      table contradicts does not count: what answers there is the table's MAC, whatever it claims.

/** What grouping and the device writer read of an observation; the rest (the protocol sections) stays in the database. */
export type MergeObservation = Pick<Observation, 'id' | 'ip' | 'source' | 'observedAt' | 'port' | 'via' | 'switchPort'>;

export interface ObservationGroup {
  observations: MergeObservation[];
  keys: Record<KeyKind, string[]>;
  /** Addresses in the group, the most observed first. */
  addresses: string[];
  ports: number[];
}

/** Sets of observations, each with the MACs its members carry (joined along with the sets). */
class DisjointSets extends UnionFind {
  readonly macs: Set<string>[];

  constructor(size: number, macs: Set<string>[]) {
    super(size);
    this.macs = macs;
  }

  override union(a: number, b: number): number {
    const absorbed = super.union(a, b);
    if (absorbed !== -1) {
      const root = this.macs[this.find(a)]!;
      for (const mac of this.macs[absorbed]!) root.add(mac);
    }
    return absorbed;
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


function dropSharedMacs(observations: readonly MergeObservation[], keys: ObservationKeys[]): void {
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
export function placeOf(observation: Pick<Observation, 'ip' | 'via'>): string {
  return observation.via ? `via ${observation.via.ip} channel ${observation.via.channel}` : observation.ip;
}

/** Sources that are a table of which MAC holds which address, kept by the network rather than said by the device. */
export const ADDRESS_TABLE_SOURCES: ReadonlySet<string> = new Set(['neighbour', 'dhcp']);

/** Per MAC, the addresses where a whole scan's address tables show it (merge-parts.ts, ScanTablePlaces). */
export interface ScanTablePlacesView {
  get(mac: string): ReadonlySet<string> | undefined;
}

const NO_MACS: ReadonlySet<string> = new Set();

/** What one scan's address tables and channels say per address: the evidence that corroborates a claimed key. */
export class ClaimEvidence {
  private readonly tableMacs = new Map<string, Set<string>>();
  /** Per MAC, the addresses where an address table shows it: the only addresses that MAC vouches for. */
  private readonly tablePlaces = new Map<string, Set<string>>();
  private readonly channels = new Map<string, Set<string>>();
  /** Per claimed key (`kind value`), the addresses that claimed it. */
  private readonly claimants = new Map<string, Set<string>>();
  /** Per address, the MACs a channel other than an address table claimed there: the device speaking for itself. */
  private readonly selfMacs = new Map<string, Set<string>>();
  /** Per address, the addresses it poses as (impersonates), computed when first asked. */
  private readonly posedAs = new Map<string, readonly string[]>();
  /** The whole scan's table places, when this evidence is of one part of a scan merged in parts (merge-parts.ts). */
  private scanTablePlaces: ScanTablePlacesView | undefined;

  constructor(observations: readonly MergeObservation[], keys: readonly ObservationKeys[]) {
    observations.forEach((observation, index) => {
      const entry = keys[index]!;
      if (observation.ip === '') return;
      if (ADDRESS_TABLE_SOURCES.has(observation.source) && !observation.via) {
        for (const mac of entry.mac) {
          const macs = this.tableMacs.get(observation.ip) ?? new Set<string>();
          macs.add(mac);
          this.tableMacs.set(observation.ip, macs);
          const places = this.tablePlaces.get(mac) ?? new Set<string>();
          places.add(observation.ip);
          this.tablePlaces.set(mac, places);
        }
      }
      if (!ADDRESS_TABLE_SOURCES.has(observation.source) && entry.mac.length > 0) {
        const macs = this.selfMacs.get(observation.ip) ?? new Set<string>();
        for (const mac of entry.mac) macs.add(mac);
        this.selfMacs.set(observation.ip, macs);
      }
      for (const kind of KEY_KINDS) {
        for (const value of entry[kind]) {
          const claim = `${observation.ip} ${kind} ${value}`;
          const sources = this.channels.get(claim) ?? new Set<string>();
          sources.add(observation.source);
          this.channels.set(claim, sources);
          const addresses = this.claimants.get(`${kind} ${value}`) ?? new Set<string>();
          addresses.add(observation.ip);
          this.claimants.set(`${kind} ${value}`, addresses);
        }
      }
    });
  }

  /** The MACs the address tables gave for `address` in this scan. */
  tableMacsOf(address: string): ReadonlySet<string> {
    return this.tableMacs.get(address) ?? NO_MACS;
  }

  /** How many channels (sources) at `address` claimed this key. */
  channelsClaiming(address: string, kind: KeyKind, value: string): number {
    return this.channels.get(`${address} ${kind} ${value}`)?.size ?? 0;
  }

  /** The address tables show different MACs at the two address sets: different network interfaces. */
  tablesDisagree(left: readonly string[], right: readonly string[]): boolean {
    const leftMacs = new Set(left.flatMap((address) => [...this.tableMacsOf(address)]));
    const rightMacs = right.flatMap((address) => [...this.tableMacsOf(address)]);
    if (leftMacs.size === 0 || rightMacs.length === 0) return false;
    return !rightMacs.some((mac) => leftMacs.has(mac));
  }

  /** Whether `addresses` corroborate their own claim of a key: a table shows the MAC there, or two channels said it. */
  corroborates(addresses: readonly string[], kind: KeyKind, value: string): boolean {
    if (this.refutes(addresses, kind, value)) return false;
    if (kind === 'mac' && addresses.some((address) => this.tableMacsOf(address).has(value))) return true;
    return addresses.some((address) => this.channelsClaiming(address, kind, value) >= 2);
  }

  /** Whether a channel other than an address table at `address` claimed this key: the device speaking for itself. */
  private saysItself(address: string, kind: KeyKind, value: string): boolean {
    const sources = this.channels.get(`${address} ${kind} ${value}`);
    return sources !== undefined && [...sources].some((source) => !ADDRESS_TABLE_SOURCES.has(source));
  }

  /**
   * Whether `claimant` poses as the device at `holder`: both say they are a MAC that the tables show at `holder` and
   * not at `claimant`. One interface answering at two addresses has a table entry with its MAC at both.
   */
  impersonates(claimant: string, holder: string): boolean {
    if (claimant === holder) return false;
    const claimantTable = this.tableMacsOf(claimant);
    for (const mac of this.tableMacsOf(holder)) {
      if (!claimantTable.has(mac) && this.saysItself(claimant, 'mac', mac) && this.saysItself(holder, 'mac', mac)) return true;
    }
    return false;
  }

  /** The addresses whose tables show `mac`, when none of them is in `addresses`: the tables place that MAC elsewhere. */
  placesElsewhere(addresses: readonly string[], mac: string): readonly string[] {
    // A part holds every table entry of a MAC it has (they share the MAC, so they are in one part); a MAC it does not
    // have may still be shown elsewhere in the scan (a stored device's last table MAC).
    const places = this.tablePlaces.get(mac) ?? this.scanTablePlaces?.get(mac);
    if (places === undefined || addresses.some((address) => places.has(address))) return [];
    return [...places];
  }

  /**
   * Whether the scan's tables place the device that `addresses` claim to be at another address: a claimed MAC that
   * the tables show only elsewhere, or any key also claimed from an address that one of `addresses` impersonates.
   */
  refutes(addresses: readonly string[], kind: KeyKind, value: string): boolean {
    if (kind === 'mac' && this.placesElsewhere(addresses, value).length > 0) return true;
    const holders = this.claimants.get(`${kind} ${value}`);
    if (holders === undefined) return false;
    // Searched from the claimants' side: an address poses as few others, while a key may be claimed from thousands
    // of addresses (cloned serials, or a host answering as one camera from every address), and walking every
    // claimant for every group made a merge quadratic in them.
    for (const address of addresses) {
      for (const holder of this.posesAs(address)) if (holders.has(holder) && !addresses.includes(holder)) return true;
    }
    return false;
  }

  /**
   * The addresses that `claimant` impersonates. Posing needs a MAC the claimant says itself and the tables show at
   * the holder, so only the table places of the claimant's own MACs are candidates.
   */
  private posesAs(claimant: string): readonly string[] {
    let posed = this.posedAs.get(claimant);
    if (posed === undefined) {
      const found = new Set<string>();
      const claimantTable = this.tableMacsOf(claimant);
      for (const mac of this.selfMacs.get(claimant) ?? NO_MACS) {
        if (claimantTable.has(mac)) continue;
        for (const holder of this.tablePlaces.get(mac) ?? NO_MACS) {
          if (holder !== claimant && this.saysItself(holder, 'mac', mac)) found.add(holder);
        }
      }
      posed = [...found];
      this.posedAs.set(claimant, posed);
    }
    return posed;
  }

  /** Evidence of one part of a scan: `placesElsewhere` also sees the table places of the rest of the scan. */
  withScanTablePlaces(places: ScanTablePlacesView): this {
    this.scanTablePlaces = places;
    return this;
  }

  /** A MAC claim that the address tables contradict at every claiming address that has an entry. */
  contradictsMac(addresses: readonly string[], value: string): boolean {
    const withEntry = addresses.filter((address) => this.tableMacsOf(address).size > 0);
    return withEntry.length > 0 && withEntry.every((address) => !this.tableMacsOf(address).has(value));
  }
}

/** Whether the claim of `value` at `left` and at `right` (different places) makes them one device. */
function claimJoins(evidence: ClaimEvidence, kind: KeyKind, value: string, left: string, right: string): boolean {
  if (evidence.tablesDisagree([left], [right])) return false;
  if (evidence.impersonates(left, right) || evidence.impersonates(right, left)) return false;
  // A key the tables place at a third address joins nobody: two hosts posing as the same device are not one.
  if (evidence.refutes([left, right], kind, value)) return false;
  if (kind === 'mac') {
    if (evidence.contradictsMac([left], value) || evidence.contradictsMac([right], value)) return false;
    if (evidence.tableMacsOf(left).has(value) || evidence.tableMacsOf(right).has(value)) return true;
  }
  return evidence.channelsClaiming(left, kind, value) >= 2 && evidence.channelsClaiming(right, kind, value) >= 2;
}

/** The claim evidence of a whole scan, for the writer that matches groups to stored devices. */
export function claimEvidenceOf(observations: readonly Observation[]): ClaimEvidence {
  return claimEvidenceOfKeyed(observations, observations.map(keysOfObservation));
}

/** claimEvidenceOf, from each observation's keys computed already (`keys[i]` of `observations[i]`; MACs may be dropped). */
export function claimEvidenceOfKeyed(observations: readonly MergeObservation[], keys: ObservationKeys[]): ClaimEvidence {
  dropSharedMacs(observations, keys);
  return new ClaimEvidence(observations, keys);
}

export function groupObservations(observations: readonly Observation[]): ObservationGroup[] {
  return groupKeyedObservations(observations, observations.map(keysOfObservation));
}

/**
 * groupObservations, from each observation's keys computed already (`keys[i]` of `observations[i]`; MACs may be
 * dropped): finishScan groups compact records this way, not whole observations, so memory stays small.
 */
export function groupKeyedObservations(observations: readonly MergeObservation[], keys: ObservationKeys[]): ObservationGroup[] {
  dropSharedMacs(observations, keys);
  const evidence = new ClaimEvidence(observations, keys);
  // For joins by address, a MAC that the address's own table contradicts is not the MAC of whatever answered there:
  // a host claiming another's MAC is still one device with its neighbour entry.
  const sets = new DisjointSets(
    observations.length,
    keys.map((entry, index) => {
      const observation = observations[index]!;
      return new Set(observation.via || observation.ip === '' ? entry.mac : entry.mac.filter((mac) => !evidence.contradictsMac([observation.ip], mac)));
    }),
  );
  for (const kind of KEY_KINDS) {
    // Per key value, the first observation of each place that claims it. A row with no address (a switch table)
    // claims no address: it joins whatever carries its MAC.
    const claimants = new Map<string, Map<string, number>>();
    keys.forEach((entry, index) => {
      const observation = observations[index]!;
      const place = observation.ip === '' ? '' : placeOf(observation);
      for (const value of entry[kind]) {
        const byPlace = claimants.get(value) ?? new Map<string, number>();
        const first = byPlace.get(place);
        if (first === undefined) byPlace.set(place, index);
        else sets.union(first, index);
        claimants.set(value, byPlace);
      }
    });
    for (const [keyValue, byPlace] of claimants) {
      const addressless = byPlace.get('');
      byPlace.delete('');
      const places = [...byPlace.keys()];
      if (addressless !== undefined && places.length > 0) sets.union(byPlace.get(places[0]!)!, addressless);
      // A key claimed from more places than one device has is nobody's key (and pairing them all would cost).
      if (places.length > INVENTORY_LIMITS.maxAddressesPerMac) continue;
      for (let i = 1; i < places.length; i += 1) {
        for (let j = 0; j < i; j += 1) {
          const left = observations[byPlace.get(places[j]!)!]!;
          const right = observations[byPlace.get(places[i]!)!]!;
          if (claimJoins(evidence, kind, keyValue, left.ip, right.ip)) sets.union(byPlace.get(places[j]!)!, byPlace.get(places[i]!)!);
        }
      }
    }
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

function buildGroup(observations: MergeObservation[], keys: Record<KeyKind, string[]>[]): ObservationGroup {
  const merged: Record<KeyKind, string[]> = { mac: [], serial: [], endpoint: [] };
  for (const entry of keys) {
    for (const kind of KEY_KINDS) for (const value of entry[kind]) if (!merged[kind].includes(value)) merged[kind].push(value);
  }
  return { observations, keys: merged, addresses: rankAddresses(observations), ports: collectPorts(observations) };
}

/** Most observed address first; ties go to the latest sighting. */
function rankAddresses(observations: readonly MergeObservation[]): string[] {
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

function collectPorts(observations: readonly MergeObservation[]): number[] {
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
export function switchLocation(observations: readonly MergeObservation[]): string | undefined {
  let latest: MergeObservation | undefined;
  for (const observation of observations) if (observation.switchPort && (!latest || observation.observedAt >= latest.observedAt)) latest = observation;
  const where = latest?.switchPort;
  if (!where || (!where.switch && !where.port && !where.vlan)) return undefined;
  const parts = [SWITCH_LOCATION_PREFIX, where.switch ?? '(unnamed)', ...(where.port ? ['port', where.port] : [])];
  return `${parts.join(' ')}${where.vlan ? `, VLAN ${where.vlan}` : ''}`;
}
