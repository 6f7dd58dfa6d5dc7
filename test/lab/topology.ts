// The lab network, built only inside namespaces the lab creates: every veth pair is created from inside a lab
// namespace with its peer sent straight into another lab namespace, so no interface ever appears in the root
// namespace. One bridge namespace per segment (multicast snooping off, so multicast floods like on a plain switch),
// a scanner namespace, a router namespace that forwards unicast between segments (and, like any router without a
// multicast routing daemon, no multicast), and one namespace per device.

import { ROUTER_FALLBACK_MACS, SCANNER_MACS, SEGMENTS, type SegmentPlan } from './constants.js';
import { ipBatch, LabError, runChecked } from './exec.js';
import type { DeviceProfile, SegmentName } from './profile.js';

export interface LinkPlan {
  /** Namespace holding the bridge. */
  bridgeNamespace: string;
  /** Veth end on the bridge. */
  port: string;
  memberNamespace: string;
  /** Veth end in the member namespace. */
  interfaceName: string;
  mac: string;
}

export interface DevicePlan {
  profile: DeviceProfile;
  name: string;
  namespace: string;
  segment: SegmentPlan;
  ip: string;
  mac: string;
  /** Null for the router profile: its links are part of the router namespace. */
  link: LinkPlan | null;
}

export function namespaceNames(prefix: string) {
  return {
    lan: `${prefix}-lan`,
    lan2: `${prefix}-lan2`,
    routed: `${prefix}-rnet`,
    scanner: `${prefix}-scan`,
    router: `${prefix}-rtr`,
    device: (name: string) => `${prefix}-d-${name}`,
  };
}

export function bridgeNamespaceOf(prefix: string, segment: SegmentName): string {
  return namespaceNames(prefix)[segment];
}

/** Checks a profile's address against its segment and the lab's reserved addresses. */
export function checkDeviceAddress(profile: DeviceProfile): void {
  const segment = SEGMENTS[profile.segment];
  if (!profile.ip.startsWith(segment.networkPrefix)) {
    throw new LabError(`profile ${profile.name}: ip ${profile.ip} is not on segment ${segment.name} (${segment.cidr})`);
  }
  const host = Number(profile.ip.slice(segment.networkPrefix.length));
  if (profile.role === 'router') {
    if (profile.segment !== 'lan' || profile.ip !== SEGMENTS.lan.gateway) {
      throw new LabError(`profile ${profile.name}: a router profile must use segment lan and ip ${SEGMENTS.lan.gateway}`);
    }
    return;
  }
  const reserved = [segment.gateway, segment.scannerAddress].filter(Boolean);
  if (host < 3 || host > 254 || reserved.includes(profile.ip)) {
    throw new LabError(`profile ${profile.name}: ip ${profile.ip} is reserved (use .3 to .254 of ${segment.cidr})`);
  }
}

export function planDevice(prefix: string, profile: DeviceProfile, index: number): DevicePlan {
  checkDeviceAddress(profile);
  const names = namespaceNames(prefix);
  const segment = SEGMENTS[profile.segment];
  if (profile.role === 'router') {
    return { profile, name: profile.name, namespace: names.router, segment, ip: profile.ip, mac: profile.mac, link: null };
  }
  const namespace = names.device(profile.name);
  return {
    profile,
    name: profile.name,
    namespace,
    segment,
    ip: profile.ip,
    mac: profile.mac,
    link: { bridgeNamespace: bridgeNamespaceOf(prefix, profile.segment), port: `d${index}`, memberNamespace: namespace, interfaceName: 'eth0', mac: profile.mac },
  };
}

/** Bridge-side commands for one link: create the pair here, send the peer into the member namespace, enslave. */
function linkLines(link: LinkPlan): string[] {
  return [
    `link add ${link.port} type veth peer name ${link.interfaceName} address ${link.mac} netns ${link.memberNamespace}`,
    `link set ${link.port} master br0`,
    `link set ${link.port} up`,
  ];
}

function deviceLines(plan: DevicePlan): string[] {
  const arp = plan.profile.arp === false ? ['link set eth0 arp off'] : [];
  return ['link set lo up', ...arp, 'link set eth0 up', `addr add ${plan.ip}/${plan.segment.prefixLength} dev eth0`, `route add default via ${plan.segment.gateway}`];
}

/** Adds one device to a running lab network (or as part of the first build). */
export async function buildDeviceLink(plan: DevicePlan): Promise<void> {
  if (!plan.link) return;
  await ipBatch(plan.link.bridgeNamespace, linkLines(plan.link));
  await ipBatch(plan.namespace, deviceLines(plan));
}

function shiftMac(mac: string, by: number): string {
  const octets = mac.split(':');
  const last = (parseInt(octets[5] ?? '0', 16) + by) % 256;
  octets[5] = last.toString(16).padStart(2, '0');
  return octets.join(':');
}

export interface TopologyPlan {
  prefix: string;
  namespaces: string[];
  segments: SegmentPlan[];
  scannerNamespace: string;
  routerNamespace: string;
  twoSegmentScanner: boolean;
  devices: DevicePlan[];
}

export function planTopology(prefix: string, profiles: DeviceProfile[], twoSegmentScanner: boolean): TopologyPlan {
  const names = namespaceNames(prefix);
  const devices = profiles.map((profile, index) => planDevice(prefix, profile, index));
  const deviceNamespaces = devices.filter((device) => device.link).map((device) => device.namespace);
  return {
    prefix,
    namespaces: [names.lan, names.lan2, names.routed, names.scanner, names.router, ...deviceNamespaces],
    segments: [SEGMENTS.lan, SEGMENTS.lan2, SEGMENTS.routed],
    scannerNamespace: names.scanner,
    routerNamespace: names.router,
    twoSegmentScanner,
    devices,
  };
}

/** Builds the whole network: namespaces, bridges and links, then addresses and routes, in parallel where it can. */
export async function buildTopology(plan: TopologyPlan): Promise<void> {
  const names = namespaceNames(plan.prefix);
  await ipBatch(null, plan.namespaces.map((name) => `netns add ${name}`));

  const routerProfile = plan.devices.find((device) => device.profile.role === 'router');
  const routerMac = (leg: 'eth0' | 'eth1' | 'eth2', shift: number) =>
    routerProfile ? shiftMac(routerProfile.mac, shift) : (ROUTER_FALLBACK_MACS[leg] ?? '02:ca:00:00:00:01');
  const routerLinks: Record<SegmentName, LinkPlan> = {
    lan: { bridgeNamespace: names.lan, port: 'rtr', memberNamespace: names.router, interfaceName: 'eth0', mac: routerMac('eth0', 0) },
    routed: { bridgeNamespace: names.routed, port: 'rtr', memberNamespace: names.router, interfaceName: 'eth1', mac: routerMac('eth1', 1) },
    lan2: { bridgeNamespace: names.lan2, port: 'rtr', memberNamespace: names.router, interfaceName: 'eth2', mac: routerMac('eth2', 2) },
  };
  const scannerLinks: LinkPlan[] = [{ bridgeNamespace: names.lan, port: 'scan', memberNamespace: names.scanner, interfaceName: 'eth0', mac: SCANNER_MACS.eth0 }];
  if (plan.twoSegmentScanner) {
    scannerLinks.push({ bridgeNamespace: names.lan2, port: 'scan', memberNamespace: names.scanner, interfaceName: 'eth1', mac: SCANNER_MACS.eth1 });
  }

  const bridgeLines = new Map<string, string[]>();
  for (const segment of plan.segments) {
    bridgeLines.set(bridgeNamespaceOf(plan.prefix, segment.name), [
      'link set lo up',
      // mcast_snooping 0: flood multicast to every port, as an unmanaged switch does; STP off so ports forward at once.
      'link add br0 type bridge mcast_snooping 0 stp_state 0 forward_delay 0',
      'link set br0 up',
    ]);
  }
  const allLinks = [...Object.values(routerLinks), ...scannerLinks, ...plan.devices.flatMap((device) => (device.link ? [device.link] : []))];
  for (const link of allLinks) bridgeLines.get(link.bridgeNamespace)?.push(...linkLines(link));
  await Promise.all([...bridgeLines].map(([namespace, lines]) => ipBatch(namespace, lines)));

  const lan = SEGMENTS.lan;
  const scannerLines = ['link set lo up', 'link set eth0 up', `addr add ${lan.scannerAddress}/${lan.prefixLength} dev eth0`];
  if (plan.twoSegmentScanner) scannerLines.push('link set eth1 up', `addr add ${SEGMENTS.lan2.scannerAddress}/${SEGMENTS.lan2.prefixLength} dev eth1`);
  else scannerLines.push(`route add ${SEGMENTS.lan2.cidr} via ${lan.gateway}`);
  scannerLines.push(
    `route add ${SEGMENTS.routed.cidr} via ${lan.gateway}`,
    // Multicast sockets need a route; discovery code also picks the interface per socket.
    'route add 224.0.0.0/4 dev eth0',
    `route add default via ${lan.gateway}`,
  );
  const routerLines = ['link set lo up'];
  for (const segment of plan.segments) {
    routerLines.push(`link set ${segment.routerInterface} up`, `addr add ${segment.gateway}/${segment.prefixLength} dev ${segment.routerInterface}`);
  }
  await Promise.all([
    ipBatch(names.scanner, scannerLines),
    ipBatch(names.router, routerLines),
    runChecked(['ip', 'netns', 'exec', names.router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']),
    ...plan.devices.filter((device) => device.link).map((device) => ipBatch(device.namespace, deviceLines(device))),
  ]);
}
