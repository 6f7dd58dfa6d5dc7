// Dahua DHIP: DHDiscover.search by multicast per interface and by unicast per range address; every
// client.notifyDevInfo reply becomes a `dhip` observation. No package speaks DHIP; the channel is the shared
// datagram channel (engine/).
//
// The older port-5050 discovery ("DVRIP v1") is not implemented: it is a broadcast whose replies arrive
// on the fixed port 5050 rather than the sender's, which the multicast/unicast engine does not do; the only
// public reply sample is synthetic (UniversalScanner's self-test), so a parser could not be tested on
// recorded bytes; and units that speak only v1 predate DHIP and are still found by their HTTP/RTSP banners.
import { createDatagramChannel, type DatagramChannelOptions, type DatagramProtocol } from '../engine/datagram-channel.js';
import type { DiscoveryModule } from '../types.js';
import { parseDhipReply } from './parse.js';
import { DHIP_GROUP, DHIP_PORT, buildDhipSearch } from './probe.js';

export const DHIP: DatagramProtocol<'dhip'> = {
  name: 'dhip',
  label: 'DHIP',
  port: DHIP_PORT,
  group: DHIP_GROUP,
  probes: () => [buildDhipSearch()],
  parse(data) {
    const result = parseDhipReply(data);
    if (!result.ok) return result;
    const { fields, mac, ipv4Address } = result.value;
    return { ok: true, value: { section: fields, ...(mac === undefined ? {} : { mac }), ...(ipv4Address === undefined ? {} : { ipv4Address }) } };
  },
};

export const createDhipDiscovery = (options: DatagramChannelOptions = {}): DiscoveryModule => createDatagramChannel(DHIP, options);

export const dhipDiscovery: DiscoveryModule = createDhipDiscovery();
