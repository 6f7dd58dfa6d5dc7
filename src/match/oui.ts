// Longest-prefix lookup of MAC addresses in the IEEE assignments of fingerprints/oui.generated.json.
// MA-S (/36) and MA-M (/28) blocks sit inside blocks the IEEE itself holds, and a /28 can belong to a
// different company from the /24 around it, so the longest matching prefix wins.
import { macHex } from '../net/mac.js';
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

export function createOuiIndex(entries: readonly OuiEntry[]): OuiIndex {
  // One map lookup for most MACs: keyed by the first 6 hex digits, the longer blocks only where they exist.
  const blocks = new Map<string, Block>();
  for (const entry of entries) {
    const prefix = entry.prefix.toUpperCase();
    const key = prefix.slice(0, 6);
    let block = blocks.get(key);
    if (!block) {
      block = {};
      blocks.set(key, block);
    }
    if (prefix.length === 6) block.entry = entry;
    else (block.longer ??= new Map()).set(prefix, entry);
  }
  const lookupHex = (hex: string): OuiEntry | undefined => {
    if (hex.length !== 12 || isUnregisteredMac(hex)) return undefined;
    const block = blocks.get(hex.slice(0, 6));
    if (!block) return undefined;
    if (block.longer) return block.longer.get(hex.slice(0, 9)) ?? block.longer.get(hex.slice(0, 7)) ?? block.entry;
    return block.entry;
  };
  return {
    size: entries.length,
    lookupHex,
    lookup(mac: string): OuiEntry | undefined {
      const hex = macHex(mac);
      return hex ? lookupHex(hex) : undefined;
    },
  };
}
