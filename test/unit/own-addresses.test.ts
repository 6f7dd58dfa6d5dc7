import { describe, expect, it } from 'vitest';
import { ownLanAddresses } from '../../src/discovery/engine/interfaces.js';

describe('ownLanAddresses', () => {
  it('lists non-loopback IPv4 addresses of every interface, whether selected or not', () => {
    const table = {
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4' as const, mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
      eth0: [
        { address: '10.231.1.2', netmask: '255.255.255.0', family: 'IPv4' as const, mac: '02:00:00:00:01:02', internal: false, cidr: '10.231.1.2/24' },
        { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6' as const, mac: '02:00:00:00:01:02', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
      ],
      docker0: [{ address: '172.17.0.1', netmask: '255.255.0.0', family: 'IPv4' as const, mac: '02:42:00:00:00:01', internal: false, cidr: '172.17.0.1/16' }],
    };
    expect([...ownLanAddresses(() => table)].sort()).toEqual(['10.231.1.2', '172.17.0.1']);
  });
});
