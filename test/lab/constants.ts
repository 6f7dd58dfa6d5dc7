// Every address, name rule, timeout and path of the lab in one place.

import type { SegmentName } from './profile.js';

export const LAB_STATE_DIR = '/run/camaudit-lab';
/** Where iproute2 keeps named network namespaces. */
export const NETNS_DIR = '/run/netns';

/** Lab prefixes: `ca` + 1..10 of [a-z0-9]. `clean --all` removes every namespace of this shape. */
export const LAB_PREFIX_PATTERN = /^ca[a-z0-9]{1,10}$/;
export const LAB_NAMESPACE_PATTERN = /^(ca[a-z0-9]{1,10})-(?:lan|lan2|rnet|scan|rtr|d-[a-z0-9-]+)$/;

export interface SegmentPlan {
  name: SegmentName;
  cidr: string;
  /** Network part, for "is this address on the segment" checks (all segments are /24). */
  networkPrefix: string;
  prefixLength: number;
  /** The router's address on the segment, the devices' default gateway. */
  gateway: string;
  /** The scanner's address when it has an interface on the segment. */
  scannerAddress?: string;
  scannerInterface?: string;
  /** Namespace suffix of the segment's bridge. */
  bridgeNamespace: string;
  /** The router's interface on the segment. */
  routerInterface: string;
}

export const SEGMENTS: Record<SegmentName, SegmentPlan> = {
  lan: {
    name: 'lan',
    cidr: '10.231.1.0/24',
    networkPrefix: '10.231.1.',
    prefixLength: 24,
    gateway: '10.231.1.1',
    scannerAddress: '10.231.1.2',
    scannerInterface: 'eth0',
    bridgeNamespace: 'lan',
    routerInterface: 'eth0',
  },
  lan2: {
    name: 'lan2',
    cidr: '10.231.2.0/24',
    networkPrefix: '10.231.2.',
    prefixLength: 24,
    gateway: '10.231.2.1',
    scannerAddress: '10.231.2.2',
    scannerInterface: 'eth1',
    bridgeNamespace: 'lan2',
    routerInterface: 'eth2',
  },
  routed: {
    name: 'routed',
    cidr: '10.231.20.0/24',
    networkPrefix: '10.231.20.',
    prefixLength: 24,
    gateway: '10.231.20.1',
    bridgeNamespace: 'rnet',
    routerInterface: 'eth1',
  },
};

/** Locally administered MACs for the lab's own interfaces (scanner, router legs without a profile MAC). */
export const SCANNER_MACS: Record<'eth0' | 'eth1', string> = { eth0: '02:ca:00:00:01:02', eth1: '02:ca:00:00:02:02' };
export const ROUTER_FALLBACK_MACS: Record<string, string> = { eth0: '02:ca:00:00:01:01', eth1: '02:ca:00:00:14:01', eth2: '02:ca:00:00:02:01' };

export const DEVICE_READY_TIMEOUT_MS = Number(process.env.CAMAUDIT_LAB_READY_TIMEOUT_MS) || 30_000;
export const DEVICE_STOP_GRACE_MS = 2_000;
export const COMMAND_TIMEOUT_MS = 20_000;
/** Bytes of a device's stderr kept for error messages. */
export const DEVICE_STDERR_TAIL_BYTES = 4096;
