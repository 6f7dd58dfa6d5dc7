// The DHIP parser on seeded random and mutated bytes: it must return ok or a reason, never throw, never hang.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDhipReply } from '../../src/discovery/dhip/parse.js';
import { buildDhipPacket } from '../../src/discovery/dhip/probe.js';
import { mutated } from './mutate.js';

const directory = new URL('../fixtures/dhip/', import.meta.url);
const seeds = readdirSync(directory).filter((name) => name.endsWith('.bin')).map((name) => readFileSync(new URL(name, directory)));

const checkShape = (result: ReturnType<typeof parseDhipReply>): void => {
  if (result.ok) expect(typeof result.value.fields).toBe('object');
  else expect(result.reason.length).toBeGreaterThan(0);
};

describe('parseDhipReply under fuzzing', () => {
  it('never throws on random bytes, with or without a DHIP header', () => {
    const header = Buffer.from('20000000444849500000000000000000', 'hex');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), fc.nat(), (bytes, withHeader, length) => {
        const packet = withHeader ? Buffer.concat([header, Buffer.alloc(16), Buffer.from(bytes)]) : Buffer.from(bytes);
        if (withHeader) packet.writeUInt32LE(length % 100_000, 16);
        checkShape(parseDhipReply(packet));
      }),
      { numRuns: 500, seed: 37810 },
    );
  });

  it('never throws on mutated recorded replies', () => {
    fc.assert(fc.property(mutated(seeds), (bytes) => checkShape(parseDhipReply(bytes))), { numRuns: 1000, seed: 3 });
  });

  it('never throws on arbitrary JSON bodies', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        checkShape(parseDhipReply(buildDhipPacket(JSON.stringify(value))));
        checkShape(parseDhipReply(buildDhipPacket(JSON.stringify({ mac: 'aa:bb:cc:dd:ee:ff', method: 'client.notifyDevInfo', params: { deviceInfo: value } }))));
      }),
      { numRuns: 500, seed: 4 },
    );
  });
});
