// Hikvision SADP channel: one inquiry per interface (multicast) and per range address (unicast), every
// ProbeMatch turned into a `sadp` observation. No package on the design card speaks SADP; the socket
// work is udp.ts, shared with DHIP, WS-Discovery and SSDP.
import { canonicalJson } from '../../observation.js';
import type { DiscoveryModule, ProbeContext, ProbeScope } from '../types.js';
import type { Observation } from '../../model.js';
import { createReplyGuard } from '../engine/reply-guard.js';
import { udpExchange } from '../engine/udp.js';
import { parseSadpReply } from './parse.js';
import { SADP_GROUP, SADP_PORT, buildSadpInquiry, createSadpProbeUuid } from './probe.js';


export interface SadpDiscoveryOptions {
  /** Destination port; only tests on loopback change it. */
  port?: number;
  group?: string;
}

export function createSadpDiscovery(options: SadpDiscoveryOptions = {}): DiscoveryModule {
  const port = options.port ?? SADP_PORT;
  const group = options.group ?? SADP_GROUP;
  return {
    name: 'sadp',
    emits: ['sadp'],
    async *probe(scope: ProbeScope, context: ProbeContext): AsyncGenerator<Observation> {
      const log = context.log.child({ module: 'sadp' });
      const uuid = createSadpProbeUuid();
      const guard = createReplyGuard('sadp', 'SADP', context);
      // Some firmware answers to the group rather than to the sender (protocols.md §1.1), so also listen there.
      const replies = udpExchange(scope, context, { channel: 'sadp', group, port, probes: [buildSadpInquiry(uuid)], listenOnGroupPort: true });
      for await (const reply of replies) {
        const result = parseSadpReply(reply.data);
        if (!result.ok) {
          log.debug({ from: reply.from.address, reason: result.reason }, 'sadp reply dropped');
          context.reject({ channel: 'sadp', ip: reply.from.address, port: reply.from.port, reason: `SADP reply refused: ${result.reason}` });
          continue;
        }
        // Uuid only echoes whichever probe the device answered (ours or another tool's): keeping it would give
        // the same device a new observation id every scan. Everything else is kept as the device sent it.
        const sadp = Object.fromEntries(Object.entries(result.value.fields).filter(([name]) => name !== 'Uuid'));
        if (!guard.admit(reply.from.address, reply.from.port, canonicalJson(sadp))) continue;
        if (result.value.ipv4Address !== undefined && result.value.ipv4Address !== reply.from.address) {
          log.info({ from: reply.from.address, selfReported: result.value.ipv4Address }, 'sadp device reports another IPv4 address');
        }
        yield context.observe({
          source: 'sadp',
          ip: reply.from.address,
          port,
          ...(result.value.mac === undefined ? {} : { mac: result.value.mac }),
          sadp,
          transport: reply.transport,
          ...(reply.interfaceName === undefined ? {} : { interface: reply.interfaceName }),
        });
      }
    },
  };
}

export const sadpDiscovery: DiscoveryModule = createSadpDiscovery();
