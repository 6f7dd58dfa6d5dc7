// Dahua DHIP channel: DHDiscover.search by multicast per interface and by unicast per range address;
// every client.notifyDevInfo reply becomes a `dhip` observation. No package on the design card speaks DHIP.
//
// The older port-5050 discovery ("DVRIP v1") is not implemented: it is a broadcast whose replies arrive
// on the fixed port 5050 rather than the sender's, which the multicast/unicast engine does not do; the only
// public reply sample is synthetic (UniversalScanner's self-test), so a parser could not be tested on
// recorded bytes; and units that speak only v1 predate DHIP and are still found by their HTTP/RTSP banners.
import { canonicalJson } from '../../observation.js';
import type { Observation } from '../../model.js';
import type { DiscoveryModule, ProbeContext, ProbeScope } from '../types.js';
import { createReplyGuard } from '../engine/reply-guard.js';
import { udpExchange } from '../engine/udp.js';
import { parseDhipReply } from './parse.js';
import { DHIP_GROUP, DHIP_PORT, buildDhipSearch } from './probe.js';


export interface DhipDiscoveryOptions {
  /** Destination port; only tests on loopback change it. */
  port?: number;
  group?: string;
}

export function createDhipDiscovery(options: DhipDiscoveryOptions = {}): DiscoveryModule {
  const port = options.port ?? DHIP_PORT;
  const group = options.group ?? DHIP_GROUP;
  return {
    name: 'dhip',
    emits: ['dhip'],
    async *probe(scope: ProbeScope, context: ProbeContext): AsyncGenerator<Observation> {
      const log = context.log.child({ module: 'dhip' });
      const guard = createReplyGuard('dhip', 'DHIP', context);
      // As with SADP, a device may answer to the group; listening there costs one socket.
      const replies = udpExchange(scope, context, { channel: 'dhip', group, port, probes: [buildDhipSearch()], listenOnGroupPort: true });
      for await (const reply of replies) {
        const result = parseDhipReply(reply.data);
        if (!result.ok) {
          log.debug({ from: reply.from.address, reason: result.reason }, 'dhip reply dropped');
          context.reject({ channel: 'dhip', ip: reply.from.address, port: reply.from.port, reason: `DHIP reply refused: ${result.reason}` });
          continue;
        }
        const dhip = result.value.fields;
        if (!guard.admit(reply.from.address, reply.from.port, canonicalJson(dhip))) continue;
        if (result.value.ipv4Address !== undefined && result.value.ipv4Address !== reply.from.address) {
          log.info({ from: reply.from.address, selfReported: result.value.ipv4Address }, 'dhip device reports another IPv4 address');
        }
        yield context.observe({
          source: 'dhip',
          ip: reply.from.address,
          port,
          ...(result.value.mac === undefined ? {} : { mac: result.value.mac }),
          dhip,
          transport: reply.transport,
          ...(reply.interfaceName === undefined ? {} : { interface: reply.interfaceName }),
        });
      }
    },
  };
}

export const dhipDiscovery: DiscoveryModule = createDhipDiscovery();
