// The local IPv4 interfaces multicast channels send on, each on its own socket. Docker, VPN and VM adapters
// break "send on the default interface" multicast (GuilhermeC18/node-onvif#41,
// agsh/onvif#330), so the user can name interfaces.
import { readFileSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { CamauditError } from '../../errors.js';
import type { LocalInterface } from '../types.js';

/** IFF_UP in /sys/class/net/<name>/flags (linux/if.h). */
const IFF_UP = 0x1;

export interface InterfaceSources {
  /** Defaults to os.networkInterfaces(); injected by tests. */
  list?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** Whether an interface is administratively up; undefined when unknown. Defaults to /sys/class/net. */
  isUp?: (name: string) => boolean | undefined;
}

/**
 * This host's own non-loopback IPv4 addresses. A unicast sweep of a range holding the scanner probes the scanner
 * itself, and its group listener then hears its own probe as if another scanner had sent one: UDP channels skip
 * these addresses. Loopback is left in, so tests can run devices on 127.0.0.1.
 */
export function ownLanAddresses(list: () => NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces): Set<string> {
  return new Set(
    Object.values(list())
      .flatMap((entries) => entries ?? [])
      .filter((info) => info.family === 'IPv4' && !info.internal)
      .map((info) => info.address),
  );
}

/**
 * Up, non-internal IPv4 interfaces, one entry per address. With `selected`, exactly the named interfaces (in
 * that order); an unknown name, or one without a usable IPv4 address, is an error rather than a silent skip,
 * because the user asked for it. Loopback is refused even when named: multicast discovery needs a LAN.
 */
export function listLocalInterfaces(selected?: readonly string[], sources: InterfaceSources = {}): LocalInterface[] {
  const table = (sources.list ?? networkInterfaces)();
  const isUp = sources.isUp ?? readIsUp;
  const usable = (name: string): LocalInterface[] => {
    if (isUp(name) === false) return [];
    return (table[name] ?? [])
      .filter((info) => info.family === 'IPv4' && !info.internal)
      .map((info) => ({ name, address: info.address, prefixLength: prefixLengthOf(info) }));
  };
  if (!selected || selected.length === 0) {
    return Object.keys(table).sort().flatMap(usable);
  }
  const chosen: LocalInterface[] = [];
  for (const name of new Set(selected)) {
    const entries = table[name];
    if (!entries) {
      const known = Object.keys(table).sort().join(', ') || 'none';
      throw new CamauditError('CAMAUDIT_ERR_INTERFACE', `no network interface named "${name}" (known: ${known})`);
    }
    if (entries.some((info) => info.internal)) {
      throw new CamauditError('CAMAUDIT_ERR_INTERFACE', `interface "${name}" is a loopback interface; multicast discovery needs a LAN interface`);
    }
    const found = usable(name);
    if (found.length === 0) {
      throw new CamauditError('CAMAUDIT_ERR_INTERFACE', `interface "${name}" is down or has no IPv4 address`);
    }
    chosen.push(...found);
  }
  return chosen;
}

function prefixLengthOf(info: NetworkInterfaceInfo): number {
  if (info.cidr) {
    const prefix = Number(info.cidr.slice(info.cidr.indexOf('/') + 1));
    if (Number.isInteger(prefix) && prefix >= 0 && prefix <= 32) return prefix;
  }
  // Count the bits of the dotted netmask when Node gives no cidr.
  return info.netmask.split('.').reduce((bits, octet) => bits + (Number(octet) >>> 0).toString(2).replace(/0/g, '').length, 0);
}

function readIsUp(name: string): boolean | undefined {
  if (!/^[\w.:@-]+$/.test(name)) return undefined;
  try {
    return (Number.parseInt(readFileSync(`/sys/class/net/${name}/flags`, 'utf8').trim(), 16) & IFF_UP) !== 0;
  } catch {
    // Not Linux, or an alias such as eth0:1 without its own sysfs entry: os.networkInterfaces() is all we know.
    return undefined;
  }
}
