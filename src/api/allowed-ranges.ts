import { CamauditError } from '../errors.js';

// The ranges the server may scan, and whether a requested range lies inside them. IPv4 only, like the scanner.
// (src/net/cidr.ts belongs to discovery; this is the one question the API asks, kept here so the API does not
// depend on the scanner's internals.)

export interface AddressRange {
  /** Canonical `network/prefix` form, e.g. 10.0.0.0/24 for "10.0.0.77/24", 10.0.0.5/32 for "10.0.0.5". */
  cidr: string;
  first: number;
  last: number;
}

function parseAddress(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

function formatAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** `a.b.c.d/n` or a single address (as /32). Throws CAMAUDIT_ERR_BAD_CIDR. */
export function parseRange(text: string): AddressRange {
  const trimmed = text.trim();
  const [addressText, prefixText, extra] = trimmed.split('/');
  const address = addressText === undefined ? undefined : parseAddress(addressText);
  const prefix = prefixText === undefined ? 32 : /^\d{1,2}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (address === undefined || extra !== undefined || !(prefix >= 0 && prefix <= 32)) {
    throw new CamauditError('CAMAUDIT_ERR_BAD_CIDR', `"${text}" is not an IPv4 address or range like 192.168.1.0/24`);
  }
  const size = 2 ** (32 - prefix);
  const first = Math.floor(address / size) * size;
  return { cidr: `${formatAddress(first)}/${prefix}`, first, last: first + size - 1 };
}

export function rangeInside(inner: AddressRange, outer: AddressRange): boolean {
  return inner.first >= outer.first && inner.last <= outer.last;
}

/** Every requested range must lie wholly inside one allowed range; the first that does not is refused. */
export function checkRangesAllowed(requested: readonly string[], allowed: readonly AddressRange[]): AddressRange[] {
  const parsed = requested.map(parseRange);
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
