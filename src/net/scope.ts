// The one rule for where a scan may send anything: inside its ranges (`--cidr`, or serve's `--allow-cidr` for API and
// scheduled scans), or, when none was given, inside the attached subnet of the interface that the reply came in
// on. What a device announces (a SADP or DHIP HttpPort, WS-Discovery XAddrs, an SSDP LOCATION, an mDNS SRV target)
// is a claim: before any packet follows it, the address is checked here, and a reply from outside the scope is
// refused with the reason, not followed.
import { parseCidr, parseIpv4 } from './cidr.js';

/** An inclusive block of IPv4 addresses as unsigned integers. */
export interface AddressBlock {
  first: number;
  last: number;
}

export interface ScopeInterface {
  name: string;
  address: string;
  prefixLength: number;
}

export interface ScanScope {
  /** The scan's ranges; empty means "the attached subnet of the arrival interface". */
  readonly ranges: readonly AddressBlock[];
  /** The attached subnets of the scan's interfaces, by interface name. */
  readonly attached: ReadonlyMap<string, AddressBlock>;
  /** Text for reasons: the ranges as given, or "the attached subnets". */
  readonly description: string;
}

export type ScopeDecision = { inScope: true } | { inScope: false; reason: string };

function blockOfSubnet(address: string, prefixLength: number): AddressBlock | undefined {
  const value = parseIpv4(address);
  if (value === undefined || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) return undefined;
  const size = 2 ** (32 - prefixLength);
  const first = value - (value % size);
  return { first, last: first + size - 1 };
}

/** `a.b.c.d/n` or a single address, as a block; undefined when it is not one. */
function blockOfCidr(text: string): AddressBlock | undefined {
  try {
    const { first, last } = parseCidr(text);
    return { first, last };
  } catch {
    return undefined;
  }
}

export function createScanScope(cidrs: readonly string[], interfaces: readonly ScopeInterface[]): ScanScope {
  const ranges = cidrs.map((cidr) => blockOfCidr(cidr)).filter((block): block is AddressBlock => block !== undefined);
  const attached = new Map<string, AddressBlock>();
  for (const entry of interfaces) {
    const block = blockOfSubnet(entry.address, entry.prefixLength);
    if (block) attached.set(entry.name, block);
  }
  const description = ranges.length > 0 ? `the scan's ranges (${cidrs.join(', ')})` : 'the attached subnet of the interface it came in on';
  return { ranges, attached, description };
}

const inside = (value: number, block: AddressBlock): boolean => value >= block.first && value <= block.last;

/**
 * Whether `address` is inside the scope. `arrivalInterface` names the interface a reply came in on; without
 * ranges only that interface's subnet counts, and a target with no arrival interface (a unicast probe, a
 * follow-up) counts if it is inside any attached subnet of the scan.
 */
export function checkInScope(scope: ScanScope, address: string, arrivalInterface?: string): ScopeDecision {
  const value = parseIpv4(address);
  if (value === undefined) return { inScope: false, reason: `${JSON.stringify(address.slice(0, 60))} is not an IPv4 address` };
  if (scope.ranges.length > 0) {
    return scope.ranges.some((block) => inside(value, block)) ? { inScope: true } : { inScope: false, reason: `${address} is outside ${scope.description}` };
  }
  if (arrivalInterface !== undefined) {
    const block = scope.attached.get(arrivalInterface);
    if (block && inside(value, block)) return { inScope: true };
    return { inScope: false, reason: `${address} is outside the attached subnet of ${arrivalInterface}` };
  }
  for (const block of scope.attached.values()) if (inside(value, block)) return { inScope: true };
  return { inScope: false, reason: `${address} is outside every attached subnet of the scan's interfaces` };
}

/** The URL a device announced, if its host is an IPv4 address inside the scope; else the reason it is not followed. */
export function checkUrlInScope(scope: ScanScope, announced: string, arrivalInterface?: string): { ok: true; url: URL } | { ok: false; reason: string } {
  if (!URL.canParse(announced)) return { ok: false, reason: `announced URL ${JSON.stringify(announced.slice(0, 120))} does not parse` };
  const url = new URL(announced);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `announced URL scheme ${url.protocol.slice(0, 20)} is not followed` };
  const decision = checkInScope(scope, url.hostname, arrivalInterface);
  return decision.inScope ? { ok: true, url } : { ok: false, reason: `announced URL host ${decision.reason}` };
}

/**
 * The interfaces serve may run multicast discovery on: those whose whole attached subnet lies inside the allowed
 * ranges. Multicast reaches everything on the link; on a link the operator did not allow, it is not ours to send.
 */
export function interfacesInsideRanges<T extends ScopeInterface>(interfaces: readonly T[], cidrs: readonly string[]): T[] {
  const ranges = cidrs.map(blockOfCidr).filter((block): block is AddressBlock => block !== undefined);
  return interfaces.filter((entry) => {
    const subnet = blockOfSubnet(entry.address, entry.prefixLength);
    return subnet !== undefined && ranges.some((range) => range.first <= subnet.first && subnet.last <= range.last);
  });
}
