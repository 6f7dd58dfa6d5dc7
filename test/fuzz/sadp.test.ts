// The SADP parser on seeded random and mutated bytes: it must return ok or a reason, never throw, never hang.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSadpReply } from '../../src/discovery/sadp/parse.js';
import { mutated } from './mutate.js';

const directory = new URL('../fixtures/sadp/', import.meta.url);
const seeds = readdirSync(directory).filter((name) => name.endsWith('.xml')).map((name) => readFileSync(new URL(name, directory)));

const checkShape = (result: ReturnType<typeof parseSadpReply>): void => {
  if (result.ok) expect(typeof result.value.fields).toBe('object');
  else expect(result.reason.length).toBeGreaterThan(0);
};

describe('parseSadpReply under fuzzing', () => {
  it('never throws on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => checkShape(parseSadpReply(Buffer.from(bytes)))), { numRuns: 500, seed: 37020 });
  });

  it('never throws on mutated recorded replies', () => {
    fc.assert(fc.property(mutated(seeds), (bytes) => checkShape(parseSadpReply(bytes))), { numRuns: 1000, seed: 1 });
  });

  it('never throws on XML-shaped strings with hostile names and entities', () => {
    const name = fc.constantFrom('ProbeMatch', 'MAC', 'DeviceSN', '__proto__', 'constructor', 'a:b', '!DOCTYPE', '!ENTITY', '?xml');
    const piece = fc.oneof(name.map((n) => `<${n}>`), name.map((n) => `</${n}>`), fc.constantFrom('&amp;', '&lt;', '&#x41;', '&bogus;', '<![CDATA[x]]>', '<!-- c -->', '44-47-cc-37-ce-81'), fc.string({ maxLength: 8 }));
    fc.assert(fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => checkShape(parseSadpReply(Buffer.from(pieces.join(''))))), { numRuns: 1000, seed: 2 });
  });

  it('answers a 64 KiB worst case quickly', () => {
    const started = performance.now();
    const deep = Buffer.from(`<ProbeMatch>${'<a>'.repeat(8000)}${'</a>'.repeat(8000)}</ProbeMatch>`);
    const fields = Array.from({ length: 3000 }, (_, index) => `<F${index}>v</F${index}>`).join('');
    const wide = Buffer.from(`<ProbeMatch><MAC>44-47-cc-37-ce-81</MAC>${fields}</ProbeMatch>`);
    expect(parseSadpReply(deep).ok).toBe(false);
    expect(parseSadpReply(wide).ok).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
