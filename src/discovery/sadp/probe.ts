// The SADP inquiry. camaudit sends `inquiry` and nothing else: other Types (`update`, …) change a
// device's network settings and some firmware accepted them without a password (CVE-2023-28810).
import { randomUUID } from 'node:crypto';

export const SADP_PORT = 37_020;
export const SADP_GROUP = '239.255.255.250';

/** Upper-case UUID as the official SADP tool sends it (captured in Skylight Cyber's "Neighbourhood watch",
 * https://skylightcyber.com/2023/09/14/neighbourhood-watch-hikvision-intercom-eavesdropping/). */
export function createSadpProbeUuid(): string {
  return randomUUID().toUpperCase();
}

export function buildSadpInquiry(uuid: string): Buffer {
  if (!/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/.test(uuid)) {
    throw new TypeError('SADP probe uuid must be an upper-case UUID');
  }
  return Buffer.from(`<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>${uuid}</Uuid><Types>inquiry</Types></Probe>`, 'utf8');
}
