import { describe, expect, it } from 'vitest';
import { checkRangesAllowed, parseRange, rangeInside } from '../../src/api/index.js';

describe('allowed ranges for POST /scans', () => {
  it('parses ranges and single addresses, aligning the network', () => {
    expect(parseRange('10.0.0.0/24')).toEqual({ cidr: '10.0.0.0/24', first: 0x0a000000, last: 0x0a0000ff });
    expect(parseRange('10.0.0.77/24')).toMatchObject({ cidr: '10.0.0.0/24', first: 0x0a000000, last: 0x0a0000ff });
    expect(parseRange(' 10.0.0.5 ')).toMatchObject({ cidr: '10.0.0.5/32', first: 0x0a000005, last: 0x0a000005 });
    expect(parseRange('255.255.255.255/32').cidr).toBe('255.255.255.255/32');
    expect(parseRange('0.0.0.0/0')).toMatchObject({ first: 0, last: 0xffffffff });
    for (const bad of ['10.0.0.0/33', '10.0.0/24', '256.0.0.1', '10.0.0.0/24/1', '::1', 'x', '', '10.0.0.0/', '1.2.3.4/-1', '01.2.3.4.5']) {
      expect(() => parseRange(bad), bad).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_BAD_CIDR' }));
    }
  });

  it('allows only ranges wholly inside one allowed range', () => {
    const allowed = ['10.0.0.0/24', '10.1.0.0/16'].map(parseRange);
    expect(checkRangesAllowed(['10.0.0.0/25', '10.1.200.0/24', '10.0.0.9'], allowed)).toHaveLength(3);
    for (const outside of [['10.0.0.0/23'], ['10.0.1.0'], ['0.0.0.0/0'], ['10.1.0.0/15']]) {
      expect(() => checkRangesAllowed(outside, allowed), outside[0]).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_OUT_OF_SCOPE' }));
    }
    expect(() => checkRangesAllowed(['10.0.0.1'], [])).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_OUT_OF_SCOPE' }));
    expect(rangeInside(parseRange('10.0.0.0/24'), parseRange('10.0.0.0/24'))).toBe(true);
  });
});
