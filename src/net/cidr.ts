// IPv4 ranges as the user writes them (`192.168.1.0/24`, `10.0.0.7`). Addresses are handled as unsigned 32-bit
// integers and expanded lazily by a generator, so a /16 costs a counter, not an array of 65 536 strings.
import { CamauditError } from '../errors.js';

export interface Ipv4Range {
  /** The range as written by the user, trimmed. */
  text: string;
  /** Canonical `network/prefix` form: 10.0.0.0/24 for "10.0.0.77/24", 10.0.0.5/32 for "10.0.0.5". */
  cidr: string;
  /** Network address as an unsigned 32-bit integer (host bits cleared). */
  network: number;
  prefixLength: number;
  /** First and last address of the whole block (network and broadcast included). */
  first: number;
  last: number;
}

const OCTET_PATTERN = /^(?:0|[1-9][0-9]{0,2})$/;

/**
 * Parses a dotted-quad IPv4 address to an unsigned integer, or undefined. Leading zeros are refused: `010.0.0.1`
 * is 10.0.0.1 to some parsers and 8.0.0.1 (octal) to inet_aton, so a range written that way could cover other
 * hosts than the user meant.
 */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET_PATTERN.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function ipToInt(ip: string): number {
  const value = parseIpv4(ip.trim());
  if (value === undefined) throw new CamauditError('CAMAUDIT_ERR_BAD_CIDR', `"${ip}" is not an IPv4 address`);
  return value;
}

export function intToIp(value: number): string {
  const unsigned = value >>> 0;
  return `${unsigned >>> 24}.${(unsigned >>> 16) & 255}.${(unsigned >>> 8) & 255}.${unsigned & 255}`;
}

/** `a.b.c.d/n` or a single address (= /32). Host bits may be set (`10.0.0.7/24` is 10.0.0.0/24), as in nmap. */
export function parseCidr(input: string | Ipv4Range): Ipv4Range {
  if (typeof input !== 'string') return input;
  const text = input.trim();
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? '32' : text.slice(slash + 1);
  const address = parseIpv4(addressText);
  if (address === undefined) {
    throw new CamauditError('CAMAUDIT_ERR_BAD_CIDR', `"${input}" is not an IPv4 range: expected a.b.c.d/n or a.b.c.d`);
  }
  if (!/^(?:[0-9]|[12][0-9]|3[0-2])$/.test(prefixText)) {
    throw new CamauditError('CAMAUDIT_ERR_BAD_CIDR', `"${input}" has a prefix length outside 0..32`);
  }
  const prefixLength = Number(prefixText);
  const size = 2 ** (32 - prefixLength);
  const network = address - (address % size);
  return { text, cidr: `${intToIp(network)}/${prefixLength}`, network, prefixLength, first: network, last: network + size - 1 };
}

/**
 * The host addresses a probe should try: for /31 and /32 every address (RFC 3021 point-to-point links and
 * single hosts), otherwise the block without its network and broadcast address.
 */
export function hostBounds(input: string | Ipv4Range): { first: number; last: number } {
  const range = parseCidr(input);
  if (range.prefixLength >= 31) return { first: range.first, last: range.last };
  return { first: range.first + 1, last: range.last - 1 };
}

export function countAddresses(input: string | Ipv4Range): number {
  const { first, last } = hostBounds(input);
  return last - first + 1;
}

export function cidrContains(input: string | Ipv4Range, ip: string): boolean {
  const range = parseCidr(input);
  const value = parseIpv4(ip.trim());
  return value !== undefined && value >= range.first && value <= range.last;
}

/** Host addresses of one range, in ascending order, produced one at a time. */
export function* expandCidr(input: string | Ipv4Range): Generator<string, void, undefined> {
  const { first, last } = hostBounds(input);
  for (let value = first; value <= last; value += 1) yield intToIp(value);
}

export function rangeInside(inner: Ipv4Range, outer: Ipv4Range): boolean {
  return inner.first >= outer.first && inner.last <= outer.last;
}

/** Every requested range must lie wholly inside one allowed range; the first that does not is refused. */
export function checkRangesAllowed(requested: readonly string[], allowed: readonly Ipv4Range[]): Ipv4Range[] {
  const parsed = requested.map((text) => parseCidr(text));
  for (const range of parsed) {
    if (!allowed.some((outer) => rangeInside(range, outer))) {
      throw new CamauditError(
        'CAMAUDIT_ERR_OUT_OF_SCOPE',
        `${range.cidr} is outside the ranges this server may scan (${allowed.map((entry) => entry.cidr).join(', ') || 'none'})`,
      );
    }
  }
  return parsed;
}

/**
 * Parses every range and refuses the set when its host addresses exceed `maxAddresses`; returns the ranges and
 * the number of distinct addresses (overlaps counted once).
 */
export function checkScope(cidrs: readonly string[], maxAddresses: number): { ranges: Ipv4Range[]; addresses: number } {
  const ranges = cidrs.map((cidr) => parseCidr(cidr));
  const addresses = mergedHostIntervals(ranges).reduce((sum, [first, last]) => sum + (last - first + 1), 0);
  if (addresses > maxAddresses) {
    throw new CamauditError(
      'CAMAUDIT_ERR_SCOPE_TOO_LARGE',
      `the ranges ${cidrs.join(', ')} hold ${addresses} addresses, more than the maximum of ${maxAddresses}`,
    );
  }
  return { ranges, addresses };
}

/**
 * Every host address of several ranges once, in ascending order, even when ranges overlap (a user who gives
 * 10.0.0.0/24 and 10.0.0.0/16 must not probe a camera twice). Refuses scopes larger than `maxAddresses`
 * before yielding anything.
 */
export function* expandScope(cidrs: readonly string[], maxAddresses: number): Generator<string, void, undefined> {
  const { ranges } = checkScope(cidrs, maxAddresses);
  for (const [first, last] of mergedHostIntervals(ranges)) {
    for (let value = first; value <= last; value += 1) yield intToIp(value);
  }
}

/** Host intervals of the ranges, sorted and merged so that no address appears twice. */
function mergedHostIntervals(ranges: readonly Ipv4Range[]): [number, number][] {
  const intervals = ranges
    .map((range): [number, number] => {
      const { first, last } = hostBounds(range);
      return [first, last];
    })
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const interval of intervals) {
    const previous = merged[merged.length - 1];
    if (previous && interval[0] <= previous[1] + 1) previous[1] = Math.max(previous[1], interval[1]);
    else merged.push([interval[0], interval[1]]);
  }
  return merged;
}
