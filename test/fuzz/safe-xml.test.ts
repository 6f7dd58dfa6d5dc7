// The one XML reader every channel uses (src/discovery/safe-xml.ts) on seeded random XML-shaped text: it never
// throws, refuses every document that declares a DOCTYPE or ENTITY, and never expands anything (no output text is
// longer than the input that held it).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeXmlText, parseXmlSafely, type XmlNode } from '../../src/discovery/safe-xml.js';

const SEED = 0x5afe;
const MAX_BYTES = 64 * 1024;

function longestText(node: XmlNode, depth = 0): number {
  if (depth > 64) return 0;
  if (typeof node === 'string') return decodeXmlText(node).length;
  const children = Array.isArray(node) ? node : Object.values(node);
  return children.reduce((longest, child) => Math.max(longest, longestText(child, depth + 1)), 0);
}

const name = fc.constantFrom('root', 'a', 'b:c', 'Envelope', 'Body', '__proto__', 'constructor', 'x-y', '1bad');
const piece = fc.oneof(
  name.map((n) => `<${n}>`),
  name.map((n) => `</${n}>`),
  name.map((n) => `<${n}/>`),
  fc.constantFrom('<!DOCTYPE r [<!ENTITY e "eeeeeeeeee">]>', '<!ENTITY x SYSTEM "file:///etc/passwd">', '<! doctype r>', '<!DOCTYPE', '&e;', '&xxe;'),
  fc.constantFrom('&amp;', '&lt;', '&#x41;', '&#1114112;', '&#0;', '&bogus;', '<![CDATA[<x>]]>', '<!-- c -->', '<?pi x?>', '<?xml version="1.0"?>', '\u0000', '\u001b[2J'),
  fc.string({ maxLength: 10 }),
);
const document = fc.array(piece, { maxLength: 80 }).map((pieces) => pieces.join(''));

describe('parseXmlSafely under fuzzing', () => {
  it('never throws, refuses declarations, never expands', () => {
    fc.assert(
      fc.property(document, (text) => {
        const result = parseXmlSafely(text, MAX_BYTES);
        if (/<!\s*(?:DOCTYPE|ENTITY)/i.test(text)) expect(result.ok).toBe(false);
        if (result.ok) expect(longestText(result.value)).toBeLessThanOrEqual(text.length);
        else expect(result.reason.length).toBeGreaterThan(0);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('never throws on random bytes, and honours its size bound', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.integer({ min: 1, max: 4096 }), (bytes, maxBytes) => {
        const result = parseXmlSafely(Buffer.from(bytes), maxBytes);
        if (bytes.length > maxBytes) expect(result.ok).toBe(false);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('answers deep nesting and wide documents quickly', () => {
    const started = performance.now();
    expect(parseXmlSafely(`${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`, MAX_BYTES).ok).toBe(false);
    expect(parseXmlSafely(`<r>${'<b>x</b>'.repeat(7000)}</r>`, MAX_BYTES).ok).toBe(true);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
