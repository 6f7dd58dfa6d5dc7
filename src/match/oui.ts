// Longest-prefix lookup of MAC addresses in the IEEE assignments of fingerprints/oui.generated.json.
// MA-S (/36) and MA-M (/28) blocks sit inside blocks the IEEE itself holds, and a /28 can belong to a
// different company from the /24 around it, so the longest matching prefix wins.
import { macHex, normaliseMac } from '../net/mac.js';
import type { OuiEntry, OuiIndex } from './types.js';

/**
 * True for addresses the IEEE registry cannot speak for: locally administered (randomised, set by software)
 * and group (multicast) addresses, told apart by the two low bits of the first octet.
 */
export function isUnregisteredMac(hex: string): boolean {
  // The two low bits of the first octet are the low bits of its second hex digit.
  const code = hex.charCodeAt(1);
  const digit = code <= 57 ? code - 48 : (code | 32) - 87;
  return (digit & 0x03) !== 0;
}

interface Block {
  /** The /24 assignment, when the registry lists one. */
  entry?: OuiEntry;
  /** /28 and /36 assignments inside this /24, by their 7 or 9 hex digits: most /24s have none. */
  longer?: Map<string, OuiEntry>;
}

/** The value of the hex digit at `index` of `text` (either case); the callers have checked that it is one. */
function digitAt(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code <= 57 ? code - 48 : (code | 32) - 87;
}

/** The first three octets as a number, read from 12 hex digits. */
function blockKeyOfHex(hex: string): number {
  return (digitAt(hex, 0) << 20) | (digitAt(hex, 1) << 16) | (digitAt(hex, 2) << 12) | (digitAt(hex, 3) << 8) | (digitAt(hex, 4) << 4) | digitAt(hex, 5);
}

/** The first three octets as a number, read from the colon form (aa:bb:cc:…) without building the hex digits. */
function blockKeyOfColonForm(mac: string): number {
  return (digitAt(mac, 0) << 20) | (digitAt(mac, 1) << 16) | (digitAt(mac, 3) << 12) | (digitAt(mac, 4) << 8) | (digitAt(mac, 6) << 4) | digitAt(mac, 7);
}

export function createOuiIndex(entries: readonly OuiEntry[]): OuiIndex {
  // One map lookup for most MACs, by a number (no substring to build and hash): the first 3 octets; the longer
  // blocks only where they exist.
  const blocks = new Map<number, Block>();
  for (const entry of entries) {
    const prefix = entry.prefix.toUpperCase();
    const key = blockKeyOfHex(prefix);
    let block = blocks.get(key);
    if (!block) {
      block = {};
      blocks.set(key, block);
    }
    if (prefix.length === 6) block.entry = entry;
    else (block.longer ??= new Map()).set(prefix, entry);
  }
  const lookupColonForm = (mac: string): OuiEntry | undefined => {
    // The second character of the colon form is the second hex digit of the first octet, as in the hex digits.
    if (isUnregisteredMac(mac)) return undefined;
    const block = blocks.get(blockKeyOfColonForm(mac));
    if (!block?.longer) return block?.entry;
    const hex = macHex(mac)!;
    return block.longer.get(hex.slice(0, 9)) ?? block.longer.get(hex.slice(0, 7)) ?? block.entry;
  };
  return {
    size: entries.length,
    lookupColonForm,
    lookup(mac: string): OuiEntry | undefined {
      const canonical = normaliseMac(mac);
      return canonical ? lookupColonForm(canonical) : undefined;
    },
  };
}
