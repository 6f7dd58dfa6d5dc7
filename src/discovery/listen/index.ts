// Listen mode's channels: one passive UDP session of the engine per discovery port (engine/udp.ts, `passive`):
// bound to the port, joined to the group on each listened interface, never written to. No probe, no follow-up
// request: the only packets this causes are the IGMP membership reports the kernel sends when a socket joins a
// group. What arrives goes through the pure readers (readers.ts).
import { VENDOR_API_LIMITS } from '../../config.js';
import type { Observation } from '../../model.js';
import { udpExchange } from '../engine/udp.js';
import type { DiscoveryModule, ProbeContext, ProbeScope } from '../types.js';
import { PASSIVE_CHANNELS, type PassiveChannel } from './readers.js';

/** The group a broadcast channel (DHCP) is given: never joined, never sent to. */
const NO_GROUP = '255.255.255.255';

/** One passive channel as a discovery module: everything heard for `durationMs`, one observation per distinct sighting. */
export function createPassiveModule(channel: PassiveChannel, durationMs: number): DiscoveryModule {
  return {
    name: `listen-${channel.name}`,
    emits: [channel.name],
    async *probe(scope: ProbeScope, context: ProbeContext): AsyncGenerator<Observation> {
      const seen = new Set<string>();
      const session = udpExchange(scope, context, {
        group: channel.group ?? NO_GROUP,
        port: channel.port,
        probes: [],
        passive: { durationMs, joinGroup: channel.group !== undefined },
      });
      for await (const reply of session) {
        const { address, port } = reply.from;
        // Only the segments listened on; DHCP clients without an address yet send from 0.0.0.0.
        if (reply.interfaceName === undefined && !(channel.name === 'dhcp' && address === '0.0.0.0')) continue;
        const heard = channel.read(reply.data, address);
        if ('refused' in heard) {
          context.reject({ channel: channel.name, ip: address, port, reason: `unasked ${channel.name} datagram refused: ${heard.refused}` });
          continue;
        }
        for (const input of heard.observations) {
          const observation = context.observe({
            ...input,
            transport: channel.group === undefined ? 'broadcast' : 'multicast',
            ...(reply.interfaceName === undefined ? {} : { interface: reply.interfaceName }),
          });
          if (seen.has(observation.id) || seen.size >= VENDOR_API_LIMITS.maxListenObservations) continue;
          seen.add(observation.id);
          yield observation;
        }
      }
    },
  };
}

/** Every passive channel, for `durationMs`. */
export function passiveModules(durationMs: number, channels: readonly PassiveChannel[] = PASSIVE_CHANNELS): DiscoveryModule[] {
  return channels.map((channel) => createPassiveModule(channel, durationMs));
}
