// Seeded random and mutated bytes into the SSDP and UPnP-description readers: they must return a result, never
// throw, and stay fast on a datagram- or description-sized input.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { descriptionUrlFor, parseSsdpMessage, parseUpnpDescription } from '../../src/discovery/ssdp/parse.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/ssdp/${name}`, import.meta.url));
const SEED = 0x55d9;
const MAX_XML_BYTES = 64 * 1024;
const replies = ['dahua-nvr-1L047ACPAW00037-search-uuid.bin', 'axis-m1014-search-basicservice.bin', 'miniupnpd-igd-search-rootdevice.bin', 'axis-m1014-notify-byebye.bin'].map(fixture);
const descriptions = ['axis-m1014-rootdesc1.xml', 'miniupnpd-igd-rootDesc.xml'].map(fixture);

/** A recorded input with a few bytes overwritten, a slice cut out, or a random tail appended. */
function mutated(seeds: Buffer[]): fc.Arbitrary<Buffer> {
  return fc
    .record({
      seed: fc.constantFrom(...seeds),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      cut: fc.option(fc.tuple(fc.nat(), fc.nat({ max: 64 }))),
      tail: fc.uint8Array({ maxLength: 64 }),
    })
    .map(({ seed, edits, cut, tail }) => {
      const bytes = Buffer.from(seed);
      for (const [position, value] of edits) bytes[position % bytes.length] = value;
      const trimmed = cut === null ? bytes : Buffer.concat([bytes.subarray(0, cut[0] % bytes.length), bytes.subarray((cut[0] % bytes.length) + cut[1])]);
      return Buffer.concat([trimmed, Buffer.from(tail)]);
    });
}

function settles<T>(run: () => { ok: boolean } & T): void {
  const started = performance.now();
  const result = run();
  expect(typeof result.ok).toBe('boolean');
  expect(performance.now() - started).toBeLessThan(2000);
}

describe('SSDP reader fuzz', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => settles(() => parseSsdpMessage(Buffer.from(bytes)))), { seed: SEED, numRuns: 500 });
  });
  it('mutated recorded replies', () => {
    fc.assert(fc.property(mutated(replies), (bytes) => settles(() => parseSsdpMessage(bytes))), { seed: SEED, numRuns: 1000 });
  });
  it('header-shaped text', () => {
    const line = fc.tuple(fc.string({ maxLength: 20 }), fc.constantFrom(':', ': ', '', '\t'), fc.string({ maxLength: 40 })).map(([name, colon, value]) => `${name}${colon}${value}`);
    const message = fc.tuple(fc.constantFrom('HTTP/1.1 200 OK', 'NOTIFY * HTTP/1.1', 'M-SEARCH * HTTP/1.1', 'HTTP/1.0 404 x'), fc.array(line, { maxLength: 30 }), fc.constantFrom('\r\n', '\n'));
    fc.assert(fc.property(message, ([start, lines, end]) => settles(() => parseSsdpMessage(Buffer.from([start, ...lines].join(end))))), { seed: SEED, numRuns: 500 });
  });
  it('LOCATION values never yield a URL for another host', () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl(), fc.string({ maxLength: 80 })), (location) => {
        const result = descriptionUrlFor(location, '10.0.0.5');
        if (result.ok) expect(result.value.hostname).toBe('10.0.0.5');
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('UPnP description reader fuzz', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => settles(() => parseUpnpDescription(Buffer.from(bytes), MAX_XML_BYTES))), { seed: SEED, numRuns: 300 });
  });
  it('mutated recorded descriptions', () => {
    fc.assert(fc.property(mutated(descriptions), (bytes) => settles(() => parseUpnpDescription(bytes, MAX_XML_BYTES))), { seed: SEED, numRuns: 500 });
  });
  it('element soup', () => {
    const name = fc.constantFrom('root', 'device', 'deviceList', 'manufacturer', 'modelName', 'UDN', '__proto__', 'constructor', 'a:b', '!DOCTYPE x');
    const node: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.string({ maxLength: 12 }), fc.tuple(name, fc.array(tie('node'), { maxLength: 4 })).map(([tag, children]) => `<${tag}>${children.join('')}</${tag}>`)),
    })).node;
    fc.assert(fc.property(node, (xml) => settles(() => parseUpnpDescription(xml, MAX_XML_BYTES))), { seed: SEED, numRuns: 500 });
  });
});
