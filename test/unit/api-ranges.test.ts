// The ranges POST /scans may cover: the one IPv4 range parser (src/net/cidr.ts) decides what a range is.
import { describe, expect, it } from 'vitest';
import { checkRangesAllowed, parseCidr, rangeInside } from '../../src/net/cidr.js';

describe('allowed ranges for POST /scans', () => {
  it('parses ranges and single addresses, aligning the network', () => {
    expect(parseCidr('10.0.0.0/24')).toMatchObject({ cidr: '10.0.0.0/24', first: 0x0a000000, last: 0x0a0000ff });
    expect(parseCidr('10.0.0.77/24')).toMatchObject({ cidr: '10.0.0.0/24', first: 0x0a000000, last: 0x0a0000ff });
    expect(parseCidr(' 10.0.0.5 ')).toMatchObject({ cidr: '10.0.0.5/32', first: 0x0a000005, last: 0x0a000005 });
    expect(parseCidr('255.255.255.255/32').cidr).toBe('255.255.255.255/32');
    expect(parseCidr('0.0.0.0/0')).toMatchObject({ cidr: '0.0.0.0/0', first: 0, last: 0xffffffff });
    for (const bad of ['10.0.0.0/33', '10.0.0/24', '256.0.0.1', '10.0.0.0/24/1', '::1', 'x', '', '10.0.0.0/', '1.2.3.4/-1', '01.2.3.4.5', '10.0.0.0/08']) {
      expect(() => parseCidr(bad), bad).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_BAD_CIDR' }));
    }
  });

  it('refuses octets with leading zeros, which inet_aton reads as octal (010 = 8)', () => {
    for (const ambiguous of ['010.0.0.0/8', '10.0.0.010', '192.168.001.0/24', '00.0.0.0/0']) {
      expect(() => parseCidr(ambiguous), ambiguous).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_BAD_CIDR' }));
      expect(() => checkRangesAllowed([ambiguous], [parseCidr('0.0.0.0/0')]), ambiguous).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_BAD_CIDR' }));
    }
    expect(parseCidr('10.0.0.0/8').cidr).toBe('10.0.0.0/8');
  });

  it('allows only ranges wholly inside one allowed range', () => {
    const allowed = ['10.0.0.0/24', '10.1.0.0/16'].map((text) => parseCidr(text));
    expect(checkRangesAllowed(['10.0.0.0/25', '10.1.200.0/24', '10.0.0.9'], allowed).map((range) => range.cidr)).toEqual(['10.0.0.0/25', '10.1.200.0/24', '10.0.0.9/32']);
    for (const outside of [['10.0.0.0/23'], ['10.0.1.0'], ['0.0.0.0/0'], ['10.1.0.0/15']]) {
      expect(() => checkRangesAllowed(outside, allowed), outside[0]).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_OUT_OF_SCOPE' }));
    }
    expect(() => checkRangesAllowed(['10.0.0.1'], [])).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_OUT_OF_SCOPE' }));
    expect(rangeInside(parseCidr('10.0.0.0/24'), parseCidr('10.0.0.0/24'))).toBe(true);
  });
});
