// A fixed-port datagram discovery protocol (SADP, DHIP) declared as data plus a pure parser, and the one channel
// that runs any of them: probes out through the UDP session (udp.ts), each reply parsed, refused with its reason
// (logged and recorded), folded by the reply guard, and turned into an observation of the protocol's section.
import type { Observation } from '../../model.js';
import { canonicalJson, type ObservationInput } from '../../observation.js';
import type { ParseResult } from '../parse-result.js';
import type { DiscoveryModule, ProbeContext, ProbeScope } from '../types.js';
import { createReplyGuard } from './reply-guard.js';
import { udpExchange } from './udp.js';

export type DatagramProtocolName = 'sadp' | 'dhip';

/** What a parser reads from one reply: the observation's section, and what the device says of itself. */
export interface DatagramReading<Name extends DatagramProtocolName> {
  section: NonNullable<ObservationInput[Name]>;
  /** Lower-case, colon-separated. */
  mac?: string;
  /** The address the device says it has; may differ from the sender's (a factory default, a second NIC). */
  ipv4Address?: string;
}

export interface DatagramProtocol<Name extends DatagramProtocolName> {
  name: Name;
  /** The protocol's name as people write it, for refusal reasons. */
  label: string;
  port: number;
  group: string;
  /** The probes of one scan, built afresh for each (SADP's carries a new uuid). */
  probes(): Buffer[];
  /** Pure: foreign bytes in, a reading or the reason it could not be read out; never throws. */
  parse(data: Buffer): ParseResult<DatagramReading<Name>>;
}

export interface DatagramChannelOptions {
  /** Destination port; only tests on loopback change it. */
  port?: number;
  group?: string;
}

export function createDatagramChannel<Name extends DatagramProtocolName>(protocol: DatagramProtocol<Name>, options: DatagramChannelOptions = {}): DiscoveryModule {
  const port = options.port ?? protocol.port;
  const group = options.group ?? protocol.group;
  const { name, label } = protocol;
  return {
    name,
    emits: [name],
    async *probe(scope: ProbeScope, context: ProbeContext): AsyncGenerator<Observation> {
      const log = context.log.child({ module: name });
      const guard = createReplyGuard(name, label, context);
      // Some firmware answers to the group rather than to the sender, so the session also listens there.
      for await (const reply of udpExchange(scope, context, { channel: name, group, port, probes: protocol.probes(), listenOnGroupPort: true })) {
        const { address } = reply.from;
        const result = protocol.parse(reply.data);
        if (!result.ok) {
          log.debug({ ip: address, reason: result.reason }, 'reply dropped');
          context.reject({ channel: name, ip: address, port: reply.from.port, reason: `${label} reply refused: ${result.reason}` });
          continue;
        }
        const { section, mac, ipv4Address } = result.value;
        if (!guard.admit(address, reply.from.port, canonicalJson(section))) continue;
        if (ipv4Address !== undefined && ipv4Address !== address) log.info({ ip: address, selfReported: ipv4Address }, 'device reports another IPv4 address');
        const input: ObservationInput = {
          source: name,
          ip: address,
          port,
          ...(mac === undefined ? {} : { mac }),
          [name]: section,
          transport: reply.transport,
          ...(reply.interfaceName === undefined ? {} : { interface: reply.interfaceName }),
        };
        yield context.observe(input);
      }
    },
  };
}
