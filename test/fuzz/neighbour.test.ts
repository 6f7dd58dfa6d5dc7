// The neighbour-table readers (/proc/net/arp text and `ip -json neigh` JSON) on seeded random and table-shaped
// input: they skip what they cannot read, never throw, and only ever return well-formed entries.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIpv4 } from '../../src/net/cidr.js';
import { parseIpNeighJson, parseProcNetArp, type NeighbourEntry } from '../../src/discovery/neighbour/parse.js';

const SEED = 0xa4b;
const HEADER = 'IP address       HW type     Flags       HW address            Mask     Device';

function checkEntries(entries: NeighbourEntry[]): void {
  for (const entry of entries) {
    expect(entry.mac).toMatch(/^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/);
    expect(entry.mac).not.toBe('00:00:00:00:00:00');
    if (entry.interface !== undefined) expect(entry.interface).toMatch(/^[\w.:@-]{1,32}$/);
  }
}

const token = fc.oneof(
  fc.ipV4(),
  fc.constantFrom('0x1', '0x2', '0x6', '0x0', '0xZZ', '00:11:22:33:44:55', '00:00:00:00:00:00', 'aa-bb-cc-dd-ee-ff', '*', 'eth0', 'br0;rm', '\u001b[2J', ''),
  fc.string({ maxLength: 12 }),
);
const arpLine = fc.tuple(fc.array(token, { maxLength: 8 }), fc.constantFrom(' ', '  ', '\t')).map(([tokens, separator]) => tokens.join(separator));

describe('neighbour table readers under fuzzing', () => {
  it('parseProcNetArp: random text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 2000 }), (text) => checkEntries(parseProcNetArp(text))), { seed: SEED, numRuns: 500 });
  });

  it('parseProcNetArp: table-shaped lines', () => {
    fc.assert(
      fc.property(fc.array(arpLine, { maxLength: 40 }), (lines) => {
        const entries = parseProcNetArp([HEADER, ...lines].join('\n'));
        checkEntries(entries);
        for (const entry of entries) expect(parseIpv4(entry.ip)).toBeDefined();
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('parseIpNeighJson: random strings and JSON values', () => {
    const item = fc.record(
      { dst: fc.oneof(fc.ipV4(), fc.string({ maxLength: 10 }), fc.integer()), dev: fc.oneof(fc.constantFrom('eth0', '__proto__', 'x y'), fc.string({ maxLength: 40 })), lladdr: fc.oneof(fc.constantFrom('00:11:22:33:44:55', '00:00:00:00:00:00'), fc.string({ maxLength: 20 })), state: fc.oneof(fc.array(fc.constantFrom('REACHABLE', 'STALE', 'FAILED', 'INCOMPLETE')), fc.string(), fc.constant(null)) },
      { requiredKeys: [] },
    );
    const input = fc.oneof(fc.string({ maxLength: 500 }), fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)), fc.array(item, { maxLength: 20 }).map((items) => JSON.stringify(items)));
    fc.assert(
      fc.property(input, (text) => {
        const result = parseIpNeighJson(text);
        if (result.ok) checkEntries(result.value);
        else expect(result.reason.length).toBeGreaterThan(0);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('reads a 65,536-line table quickly and keeps no more than its bound', () => {
    const lines = Array.from({ length: 70_000 }, (_, index) => `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255} 0x1 0x2 02:00:00:00:${((index >> 8) & 255).toString(16).padStart(2, '0')}:${(index & 255).toString(16).padStart(2, '0')} * eth0`);
    const started = performance.now();
    const entries = parseProcNetArp([HEADER, ...lines].join('\n'));
    expect(entries.length).toBeLessThanOrEqual(65_536);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
