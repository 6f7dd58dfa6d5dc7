// `camaudit identify -` input lines (src/match/parse-line.ts) on seeded random text, random JSON and hostile
// observation-shaped objects: every line gives an observation or a reason, never a throw, and no line can reach
// outside its own result (no prototype pollution through `__proto__.x` dotted keys).
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { parseObservationLine } from '../../src/match/parse-line.js';

const SEED = 0x1de;
const context = { site: 'fuzz', agent: 'fuzz' };
const corpusDirectory = new URL('../fixtures/corpus/', import.meta.url);
const corpusLines = readdirSync(corpusDirectory)
  .filter((name) => name.endsWith('.jsonl'))
  .flatMap((name) => readFileSync(new URL(name, corpusDirectory), 'utf8').split('\n'))
  .filter((line) => line.trim() !== '')
  .slice(0, 200);

function check(line: string): void {
  const started = performance.now();
  const result = parseObservationLine(line, context);
  if (result.ok) {
    expect(typeof result.observation.id).toBe('string');
    expect(typeof result.observation.ip).toBe('string');
  } else expect(result.reason.length).toBeGreaterThan(0);
  expect(performance.now() - started).toBeLessThan(1000);
}

const SOURCES = ['http', 'https', 'rtsp', 'ssdp', 'wsdiscovery', 'onvif', 'mdns', 'sadp', 'dhip', 'neighbour', 'bogus'];
const KEYS = ['source', 'ip', 'mac', 'port', 'transport', 'interface', 'observedAt', 'site', 'agent', 'scanId', 'id', 'http', 'http.headers', 'http.headers.server', 'http.title', 'rtsp.headers', 'sadp', 'sadp.DeviceDescription', 'dhip', 'wsdiscovery.scopes', 'onvif.deviceInformation', 'mdns.txt', 'neighbour', '__proto__', '__proto__.polluted', 'constructor.prototype.polluted', 'http.__proto__.polluted', 'a.b.c.d.e.f'];
const value = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom(...SOURCES), fc.ipV4(), fc.jsonValue({ maxDepth: 3 }), fc.dictionary(fc.constantFrom('server', 'Server', '__proto__', 'x'), fc.string({ maxLength: 10 })));
const observationShaped = fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 10 });

afterEach(() => {
  // A property that polluted the prototype would leak into every later object and test: remove it, and fail the
  // test where it happened.
  const leaked = ({} as Record<string, unknown>).polluted;
  delete (Object.prototype as Record<string, unknown>).polluted;
  expect(leaked).toBeUndefined();
});

describe('parseObservationLine under fuzzing', () => {
  it('random text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 500 }), check), { seed: SEED, numRuns: 500 });
  });

  it('random JSON values', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 5 }), (json) => check(JSON.stringify(json))), { seed: SEED, numRuns: 500 });
  });

  it('observation-shaped objects with hostile keys, never polluting a prototype', () => {
    fc.assert(
      fc.property(observationShaped, fc.boolean(), (object, wrapped) => {
        const line = JSON.stringify(wrapped ? { label: {}, observation: object } : object)
          // JSON.stringify drops an own "__proto__" set through a dictionary; write such keys into the text directly.
          .replace(/^\{/, '{"__proto__.polluted":"yes","constructor.prototype.polluted":"yes",');
        check(line);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('mutated corpus lines', () => {
    const mutatedLine = fc.tuple(fc.constantFrom(...corpusLines), fc.nat(), fc.string({ maxLength: 6 }), fc.nat({ max: 8 })).map(([line, at, insert, cut]) => {
      const position = at % Math.max(1, line.length);
      return line.slice(0, position) + insert + line.slice(position + cut);
    });
    fc.assert(fc.property(mutatedLine, check), { seed: SEED, numRuns: 1000 });
  });

  it('refuses a runaway line and deep nesting without throwing', () => {
    check(`{"source":"http","ip":"10.0.0.1","http":{"body":"${'x'.repeat(1_100_000)}"}}`);
    check(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    check(`{"source":"http","ip":"10.0.0.1","${'a.'.repeat(10_000)}b":1}`);
  });
});
