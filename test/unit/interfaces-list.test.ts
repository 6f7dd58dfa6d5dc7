import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { listLocalInterfaces } from '../../src/discovery/engine/interfaces.js';
import { CamauditError } from '../../src/errors.js';

function ipv4(address: string, cidr: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal, cidr };
}

const table = (): NodeJS.Dict<NetworkInterfaceInfo[]> => ({
  lo: [ipv4('127.0.0.1', '127.0.0.1/8', true)],
  eth0: [
    ipv4('192.168.1.10', '192.168.1.10/24'),
    { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
  ],
  docker0: [ipv4('172.17.0.1', '172.17.0.1/16')],
  wg0: [{ address: 'fd00::2', netmask: 'ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal: false, cidr: 'fd00::2/16', scopeid: 0 }],
  down0: [ipv4('10.9.0.1', '10.9.0.1/24')],
});
const isUp = (name: string): boolean | undefined => (name === 'down0' ? false : undefined);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof CamauditError ? `${error.code}: ${error.message}` : 'not-camaudit';
  }
  return undefined;
}

describe('listLocalInterfaces', () => {
  it('lists up, non-loopback IPv4 interfaces with their prefix length', () => {
    expect(listLocalInterfaces(undefined, { list: table, isUp })).toEqual([
      { name: 'docker0', address: '172.17.0.1', prefixLength: 16 },
      { name: 'eth0', address: '192.168.1.10', prefixLength: 24 },
    ]);
  });

  it('selects named interfaces', () => {
    expect(listLocalInterfaces(['eth0'], { list: table, isUp })).toEqual([{ name: 'eth0', address: '192.168.1.10', prefixLength: 24 }]);
  });

  it('refuses unknown, loopback, IPv6-only and down interfaces by name', () => {
    expect(codeOf(() => listLocalInterfaces(['eth9'], { list: table, isUp }))).toMatch(/^CAMAUDIT_ERR_INTERFACE: .*eth9.*known: docker0, down0, eth0, lo, wg0/);
    expect(codeOf(() => listLocalInterfaces(['lo'], { list: table, isUp }))).toMatch(/^CAMAUDIT_ERR_INTERFACE: .*loopback/);
    expect(codeOf(() => listLocalInterfaces(['wg0'], { list: table, isUp }))).toMatch(/^CAMAUDIT_ERR_INTERFACE: .*no IPv4/);
    expect(codeOf(() => listLocalInterfaces(['down0'], { list: table, isUp }))).toMatch(/^CAMAUDIT_ERR_INTERFACE: .*down/);
  });

  it('derives the prefix from the netmask when Node gives no cidr', () => {
    const list = (): NodeJS.Dict<NetworkInterfaceInfo[]> => ({
      eth1: [{ address: '10.1.2.3', netmask: '255.255.240.0', family: 'IPv4', mac: '02:00:00:00:00:02', internal: false, cidr: null }],
    });
    expect(listLocalInterfaces(undefined, { list, isUp })).toEqual([{ name: 'eth1', address: '10.1.2.3', prefixLength: 20 }]);
  });

  it('reads the real table without throwing and never returns loopback', () => {
    for (const entry of listLocalInterfaces()) expect(entry.address.startsWith('127.')).toBe(false);
  });
});
