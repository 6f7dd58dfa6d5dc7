// Longest-prefix lookup of MAC addresses in the IEEE assignments of fingerprints/oui.generated.json.
// MA-S (/36) and MA-M (/28) blocks sit inside blocks the IEEE itself holds, and a /28 can belong to a
// different company from the /24 around it, so the longest matching prefix wins.
import type { OuiEntry, OuiIndex } from './types.js';

const HEX_DIGITS = 12;

const CANONICAL_MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/** Upper-case hex digits of a MAC in any common notation, or undefined if it is not 12 hex digits. */
export function macHex(mac: string): string | undefined {
  // Fast path: observations carry MACs already normalised to lower-case colon form.
  if (mac.length === 17 && CANONICAL_MAC.test(mac)) return (mac.slice(0, 2) + mac.slice(3, 5) + mac.slice(6, 8) + mac.slice(9, 11) + mac.slice(12, 14) + mac.slice(15, 17)).toUpperCase();
  let hex = '';
  for (let index = 0; index < mac.length && hex.length <= HEX_DIGITS; index += 1) {
    const code = mac.charCodeAt(index);
    if ((code >= 48 && code <= 57) || (code >= 65 && code <= 70)) hex += mac[index];
    else if (code >= 97 && code <= 102) hex += String.fromCharCode(code - 32);
    else if (code !== 58 && code !== 45 && code !== 46 && code !== 32) return undefined;
  }
  return hex.length === HEX_DIGITS ? hex : undefined;
}

/** 12 hex digits → lower-case colon form. */
export function colonForm(hex: string): string {
  const lower = hex.toLowerCase();
  return `${lower.slice(0, 2)}:${lower.slice(2, 4)}:${lower.slice(4, 6)}:${lower.slice(6, 8)}:${lower.slice(8, 10)}:${lower.slice(10, 12)}`;
}

/** A MAC in lower-case colon form (as observations carry it) is returned as is; other notations are converted. */
export function colonMac(mac: string): string | undefined {
  if (mac.length === 17 && CANONICAL_MAC.test(mac)) return mac;
  const hex = macHex(mac);
  return hex ? colonForm(hex) : undefined;
}

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
    if (hex.length !== HEX_DIGITS || isUnregisteredMac(hex)) return undefined;
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
