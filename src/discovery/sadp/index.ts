// Hikvision SADP: one inquiry per interface (multicast) and per range address (unicast); every ProbeMatch becomes
// a `sadp` observation. No package speaks SADP; the channel is the shared datagram channel (engine/).
import { createDatagramChannel, type DatagramChannelOptions, type DatagramProtocol } from '../engine/datagram-channel.js';
import type { DiscoveryModule } from '../types.js';
import { parseSadpReply } from './parse.js';
import { SADP_GROUP, SADP_PORT, buildSadpInquiry, createSadpProbeUuid } from './probe.js';

export const SADP: DatagramProtocol<'sadp'> = {
  name: 'sadp',
  label: 'SADP',
  port: SADP_PORT,
  group: SADP_GROUP,
  probes: () => [buildSadpInquiry(createSadpProbeUuid())],
  parse(data) {
    const result = parseSadpReply(data);
    if (!result.ok) return result;
    // Uuid only echoes whichever probe the device answered (ours or another tool's): keeping it would give the same
    // device a new observation id every scan. Everything else is kept as the device sent it.
    const section = Object.fromEntries(Object.entries(result.value.fields).filter(([name]) => name !== 'Uuid'));
    const { mac, ipv4Address } = result.value;
    return { ok: true, value: { section, ...(mac === undefined ? {} : { mac }), ...(ipv4Address === undefined ? {} : { ipv4Address }) } };
  },
};

export const createSadpDiscovery = (options: DatagramChannelOptions = {}): DiscoveryModule => createDatagramChannel(SADP, options);

export const sadpDiscovery: DiscoveryModule = createSadpDiscovery();
