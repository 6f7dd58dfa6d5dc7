// dnsmasq's lease file (dnsmasq.leases), as src/lease.c writes it: one lease a line,
//   EXPIRY MAC IP HOSTNAME CLIENT-ID          (DHCPv4: expiry in seconds since 1970, or 0 for infinite; * for none)
//   duid SERVER-DUID                          (once, before the DHCPv6 leases)
//   EXPIRY IAID IPv6 HOSTNAME CLIENT-DUID     (DHCPv6: no MAC)
// A build with HAVE_BROKEN_RTC writes the lease length instead of the expiry; either way it is not when the
// device was seen, so the observation carries the import's time.
import { isIP } from 'node:net';
import { type ImportContext, type ImportItem, type LineImporter, NONE, cap, observe, tableRowInput } from './types.js';
import { macToken } from './mac.js';

export function createDnsmasqImporter(context: ImportContext): LineImporter {
  return {
    format: 'dnsmasq-leases',
    line(text, number): ImportItem[] {
      const fields = text.trim().split(/\s+/);
      if (fields.length === 1 && fields[0] === '') return NONE;
      if (fields[0] === 'duid') return NONE;
      if (fields.length < 4 || !/^\d+$/.test(fields[0]!)) return [{ ok: false, line: number, reason: 'not a dnsmasq lease: EXPIRY MAC IP HOSTNAME [CLIENT-ID]' }];
      const [, hardware, ip, hostname] = fields as [string, string, string, string];
      const family = isIP(ip);
      if (family === 0) return [{ ok: false, line: number, reason: `"${cap(ip).slice(0, 80)}" is not an IP address` }];
      // DHCPv4 leases carry the MAC (with an ARP hardware type prefix, "06-…", for non-Ethernet links: then no MAC);
      // DHCPv6 leases carry the IAID in that field.
      const mac = family === 4 ? macToken(hardware) : undefined;
      if (family === 4 && !mac && !/^[0-9a-f]{2}-[0-9a-f:-]+$/i.test(hardware)) return [{ ok: false, line: number, reason: `"${cap(hardware).slice(0, 80)}" is not a MAC address` }];
      return [{ ok: true, line: number, observation: observe(tableRowInput('dhcp', ip, mac, hostname !== '*' ? hostname : undefined), context, undefined, 'table') }];
    },
    end: () => NONE,
  };
}
