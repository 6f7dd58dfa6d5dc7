// mDNS / DNS-SD channel: browse the service types cameras (and printers) announce on every selected
// interface, follow up on what comes back, and emit one observation per (address, service instance) with
// the instance name, SRV host and port, TXT map and addresses as the device sent them.
//
// Why not bonjour-service for scanning: its browser hands back resolved services, not the raw PTR/SRV/TXT/A
// records the matcher keys on (a Hikvision instance name, the serial in its A-record host), its types have no
// `interface` option (it passes one through untyped; onlxltd/bonjour-service#52),
// and it cannot tell which interface or sender a record came from. dns-packet (which bonjour-service uses
// underneath) is the codec; the sockets are the UDP session's (session.ts). The lab's emulated devices do use
// bonjour-service to announce, where it fits (test/lab/device/responders/mdns.ts).
import type { MdnsSection, Observation } from '../../model.js';
import type { DiscoveryModule, ProbeContext, ProbeScope } from '../types.js';
import { cidrContains } from '../../net/cidr.js';
import { collectMdnsServices, type MdnsService } from './parse.js';
import { MDNS_BROWSE_TYPES, MDNS_GROUP, MDNS_PORT } from './probe.js';
import { runMdnsSession, type MdnsSender } from './session.js';

export interface MdnsDiscoveryOptions {
  /** Destination and listening port; only tests on loopback change it. */
  port?: number;
  group?: string;
  browseTypes?: readonly string[];
}

function sectionOf(service: MdnsService): MdnsSection {
  const section: MdnsSection = { name: service.name, service: service.service };
  if (service.host !== undefined) section.host = service.host;
  if (service.port !== undefined) section.port = service.port;
  if (service.txt !== undefined) section.txt = service.txt;
  if (service.addresses.length > 0) section.addresses = service.addresses;
  return section;
}

/**
 * The IPv4 addresses an instance is observed at: its A-record addresses that are the sender itself or lie on a
 * scanned segment or range (an A record is the device's word; an address elsewhere is kept in `addresses` but is
 * not made a target), else the sender.
 */
function observedAddresses(service: MdnsService, sender: MdnsSender, scope: ProbeScope): string[] {
  const ranges = [...scope.interfaces.map((local) => `${local.address}/${local.prefixLength}`), ...scope.cidrs];
  const local = service.addresses.filter(
    (address) => address === sender.address || (address.includes('.') && ranges.some((range) => cidrContains(range, address))),
  );
  return local.length > 0 ? local : [sender.address];
}

export function createMdnsDiscovery(options: MdnsDiscoveryOptions = {}): DiscoveryModule {
  const port = options.port ?? MDNS_PORT;
  const group = options.group ?? MDNS_GROUP;
  const browseTypes = options.browseTypes ?? MDNS_BROWSE_TYPES;
  return {
    name: 'mdns',
    emits: ['mdns'],
    async *probe(scope: ProbeScope, context: ProbeContext): AsyncGenerator<Observation> {
      const log = context.log.child({ module: 'mdns' });
      const senders = await runMdnsSession(scope, context, { port, group, browseTypes });
      const emitted = new Set<string>();
      for (const sender of senders) {
        for (const service of collectMdnsServices(sender.records)) {
          for (const ip of observedAddresses(service, sender, scope)) {
            const key = `${ip}\0${service.fullName.toLowerCase()}`;
            if (emitted.has(key)) continue;
            emitted.add(key);
            if (ip !== sender.address) log.debug({ ip: sender.address, announcedIp: ip, instance: service.fullName }, 'mdns instance announced for another address');
            yield context.observe({
              source: 'mdns',
              ip,
              ...(service.port === undefined ? {} : { port: service.port }),
              mdns: sectionOf(service),
              transport: sender.transport,
              ...(sender.interfaceName === undefined ? {} : { interface: sender.interfaceName }),
            });
          }
        }
      }
    },
  };
}

export const mdnsDiscovery: DiscoveryModule = createMdnsDiscovery();
