// MAC addresses as switches, DHCP servers and scanners print them.
import { normaliseMac } from '../observation.js';

// aa:bb:cc:dd:ee:ff and aa-bb-… (Linux, Juniper, dnsmasq, Windows), aabb.ccdd.eeff (Cisco), aabb-ccdd-eeff (HPE Comware,
// Huawei), aabbcc-ddeeff (HPE ProCurve/Aruba-OS).
const MAC_TOKEN = /^(?:[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}|[0-9a-f]{4}([.-])[0-9a-f]{4}\2[0-9a-f]{4}|[0-9a-f]{6}-[0-9a-f]{6})$/i;

/** A whitespace-free token that is a MAC in one of the printed forms, in lower-case colon form; else undefined. */
export function macToken(token: string): string | undefined {
  return token.length <= 17 && MAC_TOKEN.test(token) ? normaliseMac(token) : undefined;
}

/** A MAC in a printed form, or 12 bare hex digits (Windows' "Unique ID"); else undefined. */
export function macValue(text: string): string | undefined {
  const trimmed = text.trim();
  return /^[0-9a-f]{12}$/i.test(trimmed) ? normaliseMac(trimmed) : macToken(trimmed);
}

/** True for a group (multicast or broadcast) address: a switch lists them, but no device owns one. */
export function isGroupMac(mac: string): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 1) === 1;
}
