// One MAC normaliser (src/net/mac.ts) for parsers, inventory keys and the OUI lookup.
import { describe, expect, it } from 'vitest';
import { macHex, normaliseMac } from '../../src/net/mac.js';

describe('normaliseMac', () => {
  it('turns every common notation into lower-case colon form', () => {
    for (const written of ['44:47:cc:37:ce:81', '44-47-CC-37-CE-81', '4447.cc37.ce81', '4447CC37CE81', ' 44:47:CC:37:ce:81 ', '44 47 cc 37 ce 81']) {
      expect(normaliseMac(written), written).toBe('44:47:cc:37:ce:81');
    }
    expect(macHex('44-47-cc-37-ce-81')).toBe('4447CC37CE81');
  });

  it('refuses text that only contains twelve hex digits among other characters', () => {
    for (const notMac of ['gg:44:47:cc:37:ce:81', 'MAC 4447cc37ce81', '44:47:cc:37:ce', '44:47:cc:37:ce:81:00', 'N/A', '', undefined, null]) {
      expect(normaliseMac(notMac), String(notMac)).toBeUndefined();
    }
  });
});
