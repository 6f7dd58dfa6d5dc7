// Seeded random and mutated bytes into the mDNS reader: it must return a result, never throw, never hang (the time
// bound is loose: a loaded two-core machine pauses), and what it reads must
// turn into service records without throwing either.
import { readFileSync } from 'node:fs';
import { encode, type Answer } from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collectMdnsServices, enumeratedServiceTypes, parseMdnsMessage } from '../../src/discovery/mdns/parse.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/mdns/${name}`, import.meta.url));
const SEED = 0x5353;
const packets = [
  'hikvision-ds-2cd2722fwd-izs-cgi.bin',
  'hikvision-ds-2cd2722fwd-izs-compressed.bin',
  'axis-m2026-le-mk-ii-axis-video.bin',
  'ipp-printer-bonjour-printing-keys.bin',
  'hikvision-services-enumeration.bin',
].map(fixture);

function readsCleanly(bytes: Buffer): void {
  const started = performance.now();
  const result = parseMdnsMessage(bytes);
  expect(typeof result.ok).toBe('boolean');
  if (result.ok) {
    collectMdnsServices(result.value.records);
    enumeratedServiceTypes(result.value.records);
  }
  expect(performance.now() - started).toBeLessThan(2000);
}

describe('mDNS reader fuzz', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1500 }), (bytes) => readsCleanly(Buffer.from(bytes))), { seed: SEED, numRuns: 1000 });
  });

  it('mutated recorded packets (header counts, pointers and lengths hit often)', () => {
    const mutation = fc.record({
      seed: fc.constantFrom(...packets),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      truncateTo: fc.option(fc.nat()),
    });
    fc.assert(
      fc.property(mutation, ({ seed, edits, truncateTo }) => {
        const bytes = Buffer.from(seed);
        for (const [position, value] of edits) bytes[position % bytes.length] = value;
        readsCleanly(truncateTo === null ? bytes : bytes.subarray(0, truncateTo % (bytes.length + 1)));
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('well-formed packets with arbitrary names and TXT strings', () => {
    const label = fc.string({ minLength: 1, maxLength: 20 }).filter((text) => !text.includes('.') && Buffer.byteLength(text) <= 63);
    const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));
    const answer: fc.Arbitrary<Answer> = fc.oneof(
      fc.record({ type: fc.constant('PTR' as const), name, data: name }),
      fc.record({ type: fc.constant('SRV' as const), name, data: fc.record({ port: fc.integer({ min: 0, max: 65535 }), target: name }) }),
      fc.record({ type: fc.constant('TXT' as const), name, data: fc.array(fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)), { maxLength: 6 }) }),
      fc.record({ type: fc.constant('A' as const), name, data: fc.ipV4() }),
    );
    fc.assert(
      fc.property(fc.array(answer, { maxLength: 12 }), (answers) => {
        const bytes = encode({ type: 'response', answers });
        if (bytes.length <= 9000) readsCleanly(bytes);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
