import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { frameResponse } from '../../src/discovery/http/framing.js';
import { parseRtspResponse, publicMethods } from '../../src/discovery/banner/parse-rtsp.js';

const directory = new URL('../fixtures/rtsp/', import.meta.url);
const seeds = readdirSync(directory)
  .filter((name) => name.endsWith('.bin'))
  .map((name) => new Uint8Array(readFileSync(new URL(name, directory))));

const mutated = fc
  .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }), fc.nat())
  .map(([seed, flips, cut]) => {
    const bytes = Uint8Array.from(seed);
    for (const [position, value] of flips) bytes[position % bytes.length] = value;
    return bytes.subarray(0, cut % (bytes.length + 1));
  });

describe('rtsp parser under fuzz', () => {
  it('parseRtspResponse and frameResponse never throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 1000 }), mutated), (bytes) => {
        const result = parseRtspResponse(bytes);
        if (result.ok) publicMethods(result.value.headers);
        frameResponse(bytes, 'RTSP', { maxHeaderBytes: 128, maxBodyBytes: 128 });
      }),
      { numRuns: 1500 },
    );
  });
});
