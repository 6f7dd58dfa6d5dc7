import { REPLY_LIMITS, type ScanConfig } from '../config.js';
import type { Observation } from '../model.js';
import { cidrContains } from '../net/cidr.js';
import { bannerModule, bannerTargets, type BannerTarget } from './banner/index.js';
import { dhipDiscovery } from './dhip/index.js';
import { mdnsDiscovery } from './mdns/index.js';
import { neighbourModule } from './neighbour/index.js';
import { sadpDiscovery } from './sadp/index.js';
import { ssdpDiscovery } from './ssdp/index.js';
import type { DiscoveryModule } from './types.js';
import { wsDiscovery } from './wsdiscovery/index.js';

// The channel registry: the scan (src/scan.ts) picks modules by name from here.
export const CHANNELS = ['banner', 'wsdiscovery', 'ssdp', 'mdns', 'sadp', 'dhip', 'neighbour'] as const;
export type ChannelName = (typeof CHANNELS)[number];

const MODULES: Record<ChannelName, DiscoveryModule> = {
  banner: bannerModule,
  wsdiscovery: wsDiscovery,
  ssdp: ssdpDiscovery,
  mdns: mdnsDiscovery,
  sadp: sadpDiscovery,
  dhip: dhipDiscovery,
  neighbour: neighbourModule,
};

/** `sweep`: channels that probe the network, run together; `after`: the neighbour table, read once traffic was made. */
export function selectModules(channels: readonly ChannelName[], stage: 'sweep' | 'after'): DiscoveryModule[] {
  return channels.filter((name) => (stage === 'after') === (name === 'neighbour')).map((name) => MODULES[name]);
}

function portOf(value: unknown): number | undefined {
  const port = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

/** Web ports a device told us about in its discovery reply. */
function announcedHttpPorts(observation: Observation): number[] {
  const ports: (number | undefined)[] = [];
  if (observation.sadp) ports.push(portOf(observation.sadp.HttpPort));
  if (observation.dhip) ports.push(portOf(observation.dhip.HttpPort));
  for (const xaddr of observation.wsdiscovery?.xaddrs ?? []) {
    try {
      const url = new URL(xaddr);
      if (url.hostname === observation.ip && url.protocol === 'http:') ports.push(url.port === '' ? 80 : portOf(url.port));
    } catch {
      // An XAddr that is not a URL carries no port; the ProbeMatch itself was already recorded.
    }
  }
  if (observation.mdns?.service?.startsWith('_http._tcp')) ports.push(observation.mdns.port);
  return ports.filter((port): port is number => port !== undefined);
}

/**
 * Stage 2 targets: for a device inside the swept ranges, the web ports it announced that the sweep did not try
 * (a camera on a non-standard HTTP port); for a device found only by multicast, outside the ranges, the default
 * camera ports as well. Only addresses that answered this scan are probed. `wasSwept` says which addresses the
 * sweep probed (with host discovery, the live ones only).
 */
export function followUpTargets(
  observations: readonly Observation[],
  config: Readonly<ScanConfig>,
  cidrs: readonly string[],
  wasSwept: (ip: string) => boolean = (ip) => cidrs.some((cidr) => cidrContains(cidr, ip)),
): FollowUpTargets {
  const swept = new Set([...config.httpPorts, ...config.httpsPorts, ...config.rtspPorts]);
  const byAddress = new Map<string, Set<number>>();
  const outsideRanges = new Set<string>();
  for (const observation of observations) {
    if (observation.source === 'neighbour') continue;
    const inRange = wasSwept(observation.ip);
    if (!inRange) outsideRanges.add(observation.ip);
    const ports = byAddress.get(observation.ip) ?? new Set<number>();
    for (const port of announcedHttpPorts(observation)) if (!inRange || !swept.has(port)) ports.add(port);
    byAddress.set(observation.ip, ports);
  }
  const targets: BannerTarget[] = [];
  const capped: FollowUpTargets['capped'] = [];
  for (const [ip, ports] of byAddress) {
    const defaults = outsideRanges.has(ip) ? [...bannerTargets([ip], config)] : [];
    const known = new Set(defaults.map((target) => target.port));
    targets.push(...defaults);
    // The first ports announced, up to the bound (a Set keeps them in the order they were announced).
    const announced = [...ports].filter((port) => !known.has(port));
    for (const port of announced.slice(0, REPLY_LIMITS.maxAnnouncedPortsPerAddress)) targets.push({ ip, port, scheme: 'http' });
    if (announced.length > REPLY_LIMITS.maxAnnouncedPortsPerAddress) capped.push({ ip, announced: announced.length });
  }
  return { targets, capped };
}

export interface FollowUpTargets {
  targets: BannerTarget[];
  /** Addresses that announced more web ports than are probed (REPLY_LIMITS.maxAnnouncedPortsPerAddress). */
  capped: { ip: string; announced: number }[];
}
