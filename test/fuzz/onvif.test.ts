// The ONVIF response readers on seeded random and mutated bytes: ok or a reason, never a throw, never a hang.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseOnvifEnvelope, readCapabilities, readDeviceInformation, readSystemDateAndTime } from '../../src/discovery/onvif/parse.js';
import { mutated } from './mutate.js';

const directory = new URL('../fixtures/onvif/', import.meta.url);
const seeds = readdirSync(directory).filter((name) => name.endsWith('.xml')).map((name) => readFileSync(new URL(name, directory)));

function exercise(bytes: Buffer): void {
  const result = parseOnvifEnvelope(bytes, 512 * 1024);
  if (!result.ok) {
    expect(result.reason.length).toBeGreaterThan(0);
    return;
  }
  if (result.value.kind === 'fault') return;
  for (const read of [readCapabilities, readDeviceInformation, readSystemDateAndTime]) {
    const outcome = read(result.value.body);
    if (!outcome.ok) expect(outcome.reason.length).toBeGreaterThan(0);
  }
}

describe('ONVIF readers under fuzzing', () => {
  it('never throw on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => exercise(Buffer.from(bytes))), { numRuns: 500, seed: 80 });
  });

  it('never throw on mutated recorded responses', () => {
    fc.assert(fc.property(mutated(seeds), (bytes) => exercise(bytes)), { numRuns: 1000, seed: 7 });
  });
});
