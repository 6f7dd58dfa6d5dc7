// identificationJson must write exactly what JSON.stringify writes: `camaudit identify` prints it in its place.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { identificationJson, identify, loadKnowledgeBase, parseObservationLine } from '../../src/match/index.js';
import type { Evidence, Identification, Observation } from '../../src/model.js';

const corpusDirectory = join(import.meta.dirname, '..', 'fixtures', 'corpus');
const context = { site: 'test', agent: 'test' };

/** Every device of the labelled corpus, as the observations it was seen by. */
function corpusDevices(): Observation[][] {
  const devices: Observation[][] = [];
  for (const file of readdirSync(corpusDirectory).filter((name) => name.endsWith('.jsonl'))) {
    for (const text of readFileSync(join(corpusDirectory, file), 'utf8').split('\n')) {
      if (text.trim() === '') continue;
      const entry = JSON.parse(text) as { observation?: unknown; observations?: unknown[] };
      const observations = (entry.observations ?? [entry.observation]).map((item) => {
        const parsed = parseObservationLine(JSON.stringify(item), context);
        if (!parsed.ok) throw new Error(`${file}: ${parsed.reason}`);
        return parsed.observation;
      });
      devices.push(observations);
    }
  }
  return devices;
}

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', '"', '\\', '\u2028', '\ud800', '=cmd', '<b>x</b>'));
const nullableText = fc.option(text, { nil: null });
const number = fc.oneof(fc.double(), fc.constantFrom(0, 1, 0.5, -0, Number.NaN, Number.POSITIVE_INFINITY));
const params = fc.dictionary(text, text, { maxKeys: 3 }).chain((value) => fc.constantFrom(value, Object.freeze(value) as Record<string, string>));
const evidence: fc.Arbitrary<Evidence> = fc.record({ ruleId: text, field: text, value: text, params, confidence: number, source: text, observationId: fc.oneof(fc.constant('a1'), text) });
const identification: fc.Arbitrary<Identification> = fc
  .record({
    vendor: nullableText,
    brand: nullableText,
    model: nullableText,
    firmware: fc.option(fc.record({ raw: text, version: fc.option(text, { nil: undefined }), buildDate: fc.option(text, { nil: undefined }) }), { nil: null }),
    serial: nullableText,
    mac: nullableText,
    deviceClass: fc.constantFrom('camera', 'nvr', 'unknown'),
    covered: fc.boolean(),
    coveredReason: nullableText,
    confidence: number,
    evidence: fc.array(evidence, { maxLength: 6 }),
    conflicts: fc.array(text, { maxLength: 2 }),
    advisories: fc.array(fc.record({ id: text, title: text, reason: text }), { maxLength: 2 }),
    cloud: fc.option(fc.record({ state: fc.constantFrom('enabled', 'disabled'), evidence: fc.array(fc.record({ field: text, value: text, says: fc.constantFrom('enabled', 'disabled'), source: text, observationId: text }), { maxLength: 2 }) }), { nil: undefined }),
  })
  .map((value) => {
    // An identification without a cloud flag has no `cloud` member at all (withCloud in src/match/index.ts).
    const { cloud, ...rest } = value;
    return (cloud === undefined ? rest : { ...rest, cloud }) as Identification;
  });

describe('identificationJson', () => {
  const knowledgeBase = loadKnowledgeBase();

  it('writes what JSON.stringify writes for every device of the labelled corpus', () => {
    const devices = corpusDevices();
    expect(devices.length).toBeGreaterThan(200);
    let withEvidence = 0;
    for (const observations of devices) {
      const result = identify(observations, knowledgeBase);
      if (result.evidence.length > 0) withEvidence += 1;
      // Twice: the second time from the kept quoted pieces.
      expect(identificationJson(result)).toBe(JSON.stringify(result));
      expect(identificationJson(result)).toBe(JSON.stringify(result));
    }
    expect(withEvidence).toBeGreaterThan(200);
  });

  it('writes what JSON.stringify writes for any identification, hostile strings and odd numbers included', () => {
    fc.assert(
      fc.property(identification, (value) => {
        expect(identificationJson(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 500 },
    );
  });

  it('puts the leading members first, as an object spread would', () => {
    const [observation] = corpusDevices()[0]!;
    const result = identify([observation!], knowledgeBase);
    const leading = `"line":7,"ip":${JSON.stringify(observation!.ip)},"observationId":${JSON.stringify(observation!.id)},`;
    expect(identificationJson(result, leading)).toBe(JSON.stringify({ line: 7, ip: observation!.ip, observationId: observation!.id, ...result }));
  });
});
