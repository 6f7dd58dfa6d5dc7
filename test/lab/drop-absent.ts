// A lab whose routed range silently drops probes to absent addresses, as a firewall does: in the router namespace
// only, one blackhole route per address of the routed segment that holds no device (a /32 beats the segment's
// connected /24). The kernel discards matching packets without an ICMP error, so a probe to an absent address
// gets no answer at all, neither the router's quick "host unreachable" nor a refusal: it can only time out.
import { SEGMENTS } from './constants.js';
import { ipBatch } from './exec.js';
import type { Lab } from './lab.js';
import { namespaceNames } from './topology.js';

/** Adds the blackhole routes; returns how many absent addresses now drop. */
export async function dropAbsentRouted(lab: Lab): Promise<number> {
  const present = new Set(lab.devices.filter((device) => device.segment === 'routed').map((device) => device.ip));
  present.add(SEGMENTS.routed.gateway);
  const lines: string[] = [];
  for (let host = 1; host <= 254; host += 1) {
    const ip = `${SEGMENTS.routed.networkPrefix}${host}`;
    if (!present.has(ip)) lines.push(`route add blackhole ${ip}/32`);
  }
  await ipBatch(namespaceNames(lab.prefix).router, lines);
  return lines.length;
}
