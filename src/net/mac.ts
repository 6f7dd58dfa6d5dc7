// The one MAC normaliser. Devices write MACs as aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or bare hex;
// observations, the inventory's device keys and the OUI lookup all use the lower-case colon form made here.

const HEX_DIGITS = 12;
const CANONICAL_MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/**
 * Upper-case hex digits of a MAC in any common notation, or undefined if it is not 12 hex digits. Only `:`, `-`,
 * `.` and spaces may separate them: other characters mean the text is not a MAC.
 */
export function macHex(mac: string): string | undefined {
  // Fast path: observations carry MACs already in lower-case colon form.
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

/** A MAC in any common notation → lower-case colon form, or undefined when it is not one. */
export function normaliseMac(raw: string | undefined | null): string | undefined {
  if (!raw) return undefined;
  const trimmed = raw.trim();
  if (trimmed.length === 17 && CANONICAL_MAC.test(trimmed)) return trimmed;
  const hex = macHex(trimmed);
  return hex ? colonForm(hex) : undefined;
}
