// Longest-prefix lookup of MAC addresses in the IEEE assignments of fingerprints/oui.generated.json.
// MA-S (/36) and MA-M (/28) blocks sit inside blocks the IEEE itself holds, and a /28 can belong to a
// different company from the /24 around it, so the longest matching prefix wins.
import type { OuiEntry, OuiIndex } from './types.js';

const HEX_DIGITS = 12;

/** Upper-case hex digits of a MAC in any common notation, or undefined if it is not 12 hex digits. */
export function macHex(mac: string): string | undefined {
  let hex = '';
  for (let index = 0; index < mac.length && hex.length <= HEX_DIGITS; index += 1) {
    const code = mac.charCodeAt(index);
    if ((code >= 48 && code <= 57) || (code >= 65 && code <= 70)) hex += mac[index];
    else if (code >= 97 && code <= 102) hex += String.fromCharCode(code - 32);
    else if (code !== 58 && code !== 45 && code !== 46 && code !== 32) return undefined;
  }
  return hex.length === HEX_DIGITS ? hex : undefined;
}

/**
 * True for addresses the IEEE registry cannot speak for: locally administered (randomised, set by software)
 * and group (multicast) addresses, told apart by the two low bits of the first octet.
 */
export function isUnregisteredMac(hex: string): boolean {
  const firstOctet = Number.parseInt(hex.slice(0, 2), 16);
  return (firstOctet & 0x03) !== 0;
}

export function createOuiIndex(entries: readonly OuiEntry[]): OuiIndex {
  const byLength = new Map<number, Map<string, OuiEntry>>([
    [9, new Map()],
    [7, new Map()],
    [6, new Map()],
  ]);
  for (const entry of entries) byLength.get(entry.prefix.length)?.set(entry.prefix.toUpperCase(), entry);
  const orderedLengths = [9, 7, 6] as const;
  return {
    size: entries.length,
    lookup(mac: string): OuiEntry | undefined {
      const hex = macHex(mac);
      if (!hex || isUnregisteredMac(hex)) return undefined;
      for (const length of orderedLengths) {
        const entry = byLength.get(length)?.get(hex.slice(0, length));
        if (entry) return entry;
      }
      return undefined;
    },
  };
}
