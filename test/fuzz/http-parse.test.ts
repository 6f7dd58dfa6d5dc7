// parseHttpResponse, frameResponse and decodeChunked must neither throw nor hang on any bytes: random ones, and
// recorded device replies mutated byte by byte.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { decodeChunked, frameResponse } from '../../src/discovery/http/framing.js';
import { extractTitle, parseHttpResponse } from '../../src/discovery/banner/parse-http.js';

const directory = new URL('../fixtures/http/', import.meta.url);
const seeds = readdirSync(directory)
  .filter((name) => name.endsWith('.bin'))
  .map((name) => new Uint8Array(readFileSync(new URL(name, directory))));

const mutated = fc
  .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }), fc.nat())
  .map(([seed, flips, cut]) => {
    const bytes = Uint8Array.from(seed);
    for (const [position, value] of flips) if (bytes.length > 0) bytes[position % bytes.length] = value;
    return bytes.subarray(0, bytes.length === 0 ? 0 : (cut % (bytes.length + 1)));
  });

const httpish = fc
  .tuple(fc.constantFrom('HTTP/1.1 200 OK\r\n', 'HTTP/1.0 302 x\r\n', 'HTTP/1.1 200 OK\n'), fc.array(fc.string(), { maxLength: 10 }), fc.uint8Array({ maxLength: 300 }))
  .map(([status, lines, tail]) => Buffer.concat([Buffer.from(status + lines.join('\r\n') + '\r\n\r\n'), Buffer.from(tail)]));

const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 2000 }), mutated, httpish);
const limits = { maxHeaderBytes: 256, maxBodyBytes: 512 };

describe('http parsers under fuzz', () => {
  it('parseHttpResponse never throws', () => {
    fc.assert(
      fc.property(anyBytes, fc.boolean(), (bytes, truncated) => {
        const result = parseHttpResponse(bytes, { truncated });
        if (result.ok && result.value.title !== undefined && result.value.title.length > 256) throw new Error('title over cap');
      }),
      { numRuns: 1500 },
    );
  });

  it('frameResponse never throws and never asks for more than it has when complete', () => {
    fc.assert(
      fc.property(anyBytes, (bytes) => {
        const decision = frameResponse(bytes, 'HTTP', limits);
        if (decision.state === 'complete' && decision.length > bytes.length) throw new Error('complete beyond the bytes received');
        if (decision.state === 'capped' && decision.length > limits.maxHeaderBytes + limits.maxBodyBytes) throw new Error('cap beyond limits');
      }),
      { numRuns: 1500 },
    );
  });

  it('decodeChunked never throws', () => {
    const chunky = fc.array(fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), maxLength: 4 }), fc.constantFrom('\r\n', '\n', ';x=1', '0'), fc.string({ maxLength: 20 })), { maxLength: 30 });
    fc.assert(
      fc.property(chunky, fc.nat(40), (parts, start) => {
        const bytes = Buffer.from(parts.join(''));
        decodeChunked(bytes, Math.min(start, bytes.length));
      }),
      { numRuns: 1500 },
    );
  });

  it('extractTitle never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }).map((text) => `<title>${text}`), (html) => {
        extractTitle(html);
      }),
      { numRuns: 1000 },
    );
  });
});
