import { describe, expect, it } from 'vitest';
import { CamauditError } from '../../src/errors.js';
import { checkScope, cidrContains, countAddresses, expandCidr, expandScope, intToIp, ipToInt, parseCidr, parseIpv4 } from '../../src/net/cidr.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof CamauditError ? error.code : 'not-camaudit';
  }
  return undefined;
}

describe('ipv4 conversion', () => {
  it('round-trips addresses through integers', () => {
    for (const ip of ['0.0.0.0', '10.0.0.1', '192.168.1.254', '255.255.255.255', '127.1.0.5']) {
      expect(intToIp(ipToInt(ip))).toBe(ip);
    }
    expect(ipToInt('255.255.255.255')).toBe(4294967295);
    expect(ipToInt('1.2.3.4')).toBe(0x01020304);
  });

  it('refuses malformed addresses', () => {
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.-1', 'a.b.c.d', '1..2.3', ' 1.2.3.4x', '1e2.0.0.1']) {
      expect(parseIpv4(bad)).toBeUndefined();
    }
    expect(codeOf(() => ipToInt('300.1.1.1'))).toBe('CAMAUDIT_ERR_BAD_CIDR');
  });
});

describe('parseCidr', () => {
  it('parses ranges and single addresses, clearing host bits', () => {
    expect(parseCidr('192.168.1.0/24')).toMatchObject({ network: ipToInt('192.168.1.0'), prefixLength: 24, last: ipToInt('192.168.1.255') });
    expect(parseCidr(' 10.0.0.7/24 ')).toMatchObject({ network: ipToInt('10.0.0.0'), prefixLength: 24, text: '10.0.0.7/24' });
    expect(parseCidr('10.0.0.7')).toMatchObject({ network: ipToInt('10.0.0.7'), prefixLength: 32 });
    expect(parseCidr('0.0.0.0/0')).toMatchObject({ first: 0, last: 4294967295 });
  });

  it('gives CAMAUDIT_ERR_BAD_CIDR for bad input', () => {
    for (const bad of ['', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/', '10.0.0.0/24/1', 'example.com', '10.0.0/24', '10.0.0.0/08', 'fe80::/64']) {
      expect(codeOf(() => parseCidr(bad)), bad).toBe('CAMAUDIT_ERR_BAD_CIDR');
    }
  });
});

describe('expansion and counting', () => {
  it('skips network and broadcast except on /31 and /32', () => {
    expect([...expandCidr('10.0.0.0/30')]).toEqual(['10.0.0.1', '10.0.0.2']);
    expect([...expandCidr('10.0.0.0/31')]).toEqual(['10.0.0.0', '10.0.0.1']);
    expect([...expandCidr('10.0.0.9/32')]).toEqual(['10.0.0.9']);
    expect([...expandCidr('10.0.0.9')]).toEqual(['10.0.0.9']);
    expect(countAddresses('10.0.0.0/24')).toBe(254);
    expect(countAddresses('10.0.0.0/16')).toBe(65534);
    expect(countAddresses('10.0.0.0/31')).toBe(2);
    expect(countAddresses('10.0.0.0/32')).toBe(1);
  });

  it('expands a /24 in order, first and last host', () => {
    const all = [...expandCidr('192.168.7.0/24')];
    expect(all).toHaveLength(254);
    expect(all[0]).toBe('192.168.7.1');
    expect(all.at(-1)).toBe('192.168.7.254');
  });

  it('expands lazily: taking the first address of a /8 is instant', () => {
    const started = performance.now();
    const iterator = expandCidr('10.0.0.0/8');
    expect(iterator.next().value).toBe('10.0.0.1');
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('expands a /16 quickly', () => {
    const started = performance.now();
    let count = 0;
    for (const _ of expandCidr('172.16.0.0/16')) count += 1;
    expect(count).toBe(65534);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('cidrContains', () => {
    expect(cidrContains('192.168.1.0/24', '192.168.1.0')).toBe(true);
    expect(cidrContains('192.168.1.0/24', '192.168.1.255')).toBe(true);
    expect(cidrContains('192.168.1.0/24', '192.168.2.1')).toBe(false);
    expect(cidrContains('192.168.1.0/24', 'not-an-ip')).toBe(false);
    expect(cidrContains('0.0.0.0/0', '8.8.8.8')).toBe(true);
  });
});

describe('scope', () => {
  it('merges overlapping ranges so no address is probed twice', () => {
    const addresses = [...expandScope(['10.0.0.0/30', '10.0.0.0/29', '10.0.0.5', '10.0.1.1/32'], 1000)];
    expect(addresses).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.1.1']);
    expect(checkScope(['10.0.0.0/24', '10.0.0.0/25'], 1000).addresses).toBe(254);
  });

  it('refuses a scope above the maximum with CAMAUDIT_ERR_SCOPE_TOO_LARGE before yielding', () => {
    expect(codeOf(() => checkScope(['10.0.0.0/15'], 65536))).toBe('CAMAUDIT_ERR_SCOPE_TOO_LARGE');
    expect(codeOf(() => expandScope(['10.0.0.0/24', '10.1.0.0/24'], 300).next())).toBe('CAMAUDIT_ERR_SCOPE_TOO_LARGE');
    expect(checkScope(['10.0.0.0/16'], 65536).addresses).toBe(65534);
  });
});
