// The kernel neighbour (ARP) table, as text: /proc/net/arp, or the JSON of `ip -json neigh show`. Pure and total:
// malformed lines are skipped, never thrown on.
import { normaliseMac } from '../../observation.js';
import { parseIpv4 } from '../../net/cidr.js';
import { parsed, rejected, type ParseResult } from '../parse-result.js';
import { PARSE_LIMITS } from '../../config.js';

export interface NeighbourEntry {
  ip: string;
  /** Lower-case, colon-separated. */
  mac: string;
  /** Interface the kernel learnt the entry on. */
  interface?: string;
  /** NUD state when the source gives it (`ip neigh`), or PERMANENT for static entries in /proc/net/arp. */
  state?: string;
}

/** ATF_COM and ATF_PERM from linux/if_arp.h. */
const ATF_COM = 0x2;
const ATF_PERM = 0x4;
const ZERO_MAC = '00:00:00:00:00:00';

/** One line of /proc/net/arp: `IP address  HW type  Flags  HW address  Mask  Device`, after the header. */
interface ProcNetArpRow {
  ip: string;
  flags: number;
  macText: string | undefined;
  device: string | undefined;
}

function* procNetArpRows(text: string): Generator<ProcNetArpRow> {
  for (const line of text.split('\n').slice(1)) {
    const [ip, , flagsText, macText, , device] = line.trim().split(/\s+/);
    if (ip === undefined || parseIpv4(ip) === undefined || flagsText === undefined) continue;
    const flags = Number.parseInt(flagsText.replace(/^0x/i, ''), 16);
    if (!Number.isNaN(flags)) yield { ip, flags, macText, device };
  }
}

/**
 * The complete entries of /proc/net/arp. Incomplete entries (no ATF_COM flag) and all-zero MACs are what the kernel
 * holds for addresses that did not answer: skipped.
 */
export function parseProcNetArp(text: string): NeighbourEntry[] {
  const entries: NeighbourEntry[] = [];
  const seen = new Set<string>();
  for (const { ip, flags, macText, device } of procNetArpRows(text)) {
    if (entries.length >= PARSE_LIMITS.maxNeighbourEntries) break;
    if ((flags & ATF_COM) === 0) continue;
    const mac = normaliseMac(macText);
    if (mac === undefined || mac === ZERO_MAC) continue;
    const key = `${ip}\0${device ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const entry: NeighbourEntry = { ip, mac };
    if (device !== undefined && /^[\w.:@-]{1,32}$/.test(device)) entry.interface = device;
    if ((flags & ATF_PERM) !== 0) entry.state = 'PERMANENT';
    entries.push(entry);
  }
  return entries;
}

/**
 * The addresses /proc/net/arp lists without ATF_COM: an ARP resolution in progress (INCOMPLETE) or one that gave up
 * (FAILED); the file does not tell the two apart. Each address once, at most PARSE_LIMITS.maxNeighbourEntries.
 */
export function unresolvedInProcNetArp(text: string): string[] {
  const addresses = new Set<string>();
  for (const { ip, flags } of procNetArpRows(text)) {
    if (addresses.size >= PARSE_LIMITS.maxNeighbourEntries) break;
    if ((flags & ATF_COM) === 0) addresses.add(ip);
  }
  return [...addresses];
}

const UNUSABLE_STATES = new Set(['INCOMPLETE', 'FAILED', 'NONE']);

/** The objects of `ip -json neigh` output, at most PARSE_LIMITS.maxNeighbourEntries of them. */
function ipNeighRecords(text: string): ParseResult<Record<string, unknown>[]> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return rejected(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(document)) return rejected('not a JSON array');
  return parsed(document.slice(0, PARSE_LIMITS.maxNeighbourEntries).filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null));
}

/** `ip -json neigh show`: [{ dst, dev, lladdr, state: [..] }, …]. IPv6 entries are kept; the caller filters. */
export function parseIpNeighJson(text: string): ParseResult<NeighbourEntry[]> {
  const records = ipNeighRecords(text);
  if (!records.ok) return records;
  const entries: NeighbourEntry[] = [];
  for (const record of records.value) {
    const ip = record['dst'];
    const lladdr = record['lladdr'];
    if (typeof ip !== 'string' || typeof lladdr !== 'string') continue;
    const states = Array.isArray(record['state']) ? record['state'].filter((state): state is string => typeof state === 'string') : [];
    if (states.some((state) => UNUSABLE_STATES.has(state.toUpperCase()))) continue;
    const mac = normaliseMac(lladdr);
    if (mac === undefined || mac === ZERO_MAC) continue;
    const entry: NeighbourEntry = { ip, mac };
    if (typeof record['dev'] === 'string' && /^[\w.:@-]{1,32}$/.test(record['dev'])) entry.interface = record['dev'];
    if (states.length > 0) entry.state = states.join(',');
    entries.push(entry);
  }
  return parsed(entries);
}

/** `ip -4 -json neigh show nud incomplete`: the IPv4 addresses whose ARP resolution is in progress. */
export function incompleteInIpNeighJson(text: string): ParseResult<string[]> {
  const records = ipNeighRecords(text);
  if (!records.ok) return records;
  const addresses: string[] = [];
  for (const record of records.value) {
    const states = Array.isArray(record['state']) ? record['state'] : [];
    if (typeof record['dst'] === 'string' && parseIpv4(record['dst']) !== undefined && states.includes('INCOMPLETE')) addresses.push(record['dst']);
  }
  return parsed(addresses);
}
