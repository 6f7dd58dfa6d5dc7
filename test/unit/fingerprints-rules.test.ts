// The knowledge base proves itself: every rule matches its own examples first (no earlier rule of the same
// field shadows them) with the expected captures, matches none of its counter-examples, and no rule of a
// covered maker strong enough to decide alone matches the shared counter-examples.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CamauditError } from '../../src/errors.js';
import { identify, loadKnowledgeBase } from '../../src/match/index.js';
import { DATA_FILES, defaultFingerprintDirectory } from '../../src/match/load-knowledge-base.js';
import { checkRuleFileShape } from '../../src/match/rule-schema.js';
import { ruleValidatorSource, SCHEMA_PATH, VALIDATOR_PATH } from '../../scripts/generate-rule-validator.js';
import { expandParams, firstMatch } from '../../src/match/rules.js';
import type { CompiledRule } from '../../src/match/types.js';
import { FIRMWARE_FIELD, MODEL_FIELD } from '../../src/match/types.js';
import { createObservation } from '../../src/observation.js';
import type { ObservationSections, ProtocolName } from '../../src/model.js';

const knowledgeBase = loadKnowledgeBase();
const directory = defaultFingerprintDirectory();
const allRules = [...knowledgeBase.rules, ...knowledgeBase.modelRules, ...knowledgeBase.firmwareRules];

function rulesOfField(field: string): readonly CompiledRule[] {
  if (field === MODEL_FIELD) return knowledgeBase.modelRules;
  if (field === FIRMWARE_FIELD) return knowledgeBase.firmwareRules;
  return knowledgeBase.rulesByField.get(field) ?? [];
}

function coveredVendorOf(rule: CompiledRule): string | undefined {
  const vendor = rule.set['hw.vendor'];
  return vendor && knowledgeBase.vendors.get(vendor)?.covered ? vendor : undefined;
}

describe('fingerprint rule files', () => {
  it('load, with unique ids and every file following schema.json', () => {
    const files = readdirSync(directory).filter((file) => file.endsWith('.json') && !DATA_FILES.has(file));
    expect(files.length).toBeGreaterThanOrEqual(14);
    for (const file of files) {
      const document = JSON.parse(readFileSync(join(directory, file), 'utf8')) as { $schema?: string; rules: Record<string, unknown>[] };
      expect(document.$schema, file).toBe('./schema.json');
      expect(() => checkRuleFileShape(file, document), file).not.toThrow();
      // The same file with one rule broken fails against schema.json itself (not only against the hand-written checks).
      const broken = { ...document, rules: [{ ...document.rules[0], confidence: 1.5, surplus: true }, ...document.rules.slice(1)] };
      expect(() => checkRuleFileShape(file, broken), file).toThrow(/does not follow schema\.json: .*confidence must be <= 1/);
      expect(() => checkRuleFileShape(file, broken), file).toThrow(/\(rule\) must NOT have additional properties/);
    }
    const ids = allRules.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('are checked by the validator ajv compiles from the current schema.json (npm run generate:rule-validator)', () => {
    expect(readFileSync(VALIDATOR_PATH, 'utf8')).toBe(ruleValidatorSource(readFileSync(SCHEMA_PATH, 'utf8')));
  });

  it('give every rule a source with an author and a reference', () => {
    for (const rule of allRules) {
      expect(rule.references.length, rule.id).toBeGreaterThan(0);
      expect(rule.examples.length, rule.id).toBeGreaterThan(0);
    }
  });

  for (const rule of allRules) {
    it(`${rule.id}: matches its examples first, with the expected params, and none of its counter-examples`, () => {
      for (const field of rule.fields) {
        for (const example of rule.examples) {
          const found = firstMatch(rulesOfField(field), example.value);
          expect(found?.rule.id, `${field} ${JSON.stringify(example.value)}`).toBe(rule.id);
          const params = expandParams(rule, found!.match);
          for (const [name, value] of Object.entries(example.expect)) expect(params[name], `${rule.id} ${name}`).toBe(value);
        }
      }
      for (const counter of rule.counterExamples) expect(rule.regex.test(counter), `${rule.id} must not match ${JSON.stringify(counter)}`).toBe(false);
    });
  }
});

interface SharedCounterExample {
  field: string;
  value: string;
  note: string;
}

function observationWith(field: string, value: string): ReturnType<typeof createObservation> {
  const [root, ...rest] = field.split('.');
  const sections: Record<string, unknown> = {};
  if (root === 'wsdiscovery') sections.wsdiscovery = { types: [], scopes: [], xaddrs: [], [rest[0]!]: rest[0] === 'endpoint' ? value : [value] };
  else if (root === 'http' || root === 'rtsp' || root === 'ssdp') {
    const section: Record<string, unknown> = { headers: {} };
    if (rest.length === 1) section[rest[0]!] = value;
    else section[rest[0]!] = { ...(section[rest[0]!] as object), [rest[1]!]: value };
    sections[root] = section;
  } else if (root === 'onvif' || root === 'mdns') {
    sections[root] = rest.length === 1 ? { [rest[0]!]: value } : { [rest[0]!]: { [rest[1]!]: value } };
  } else if (root === 'tls' || root === 'sadp' || root === 'dhip') sections[root] = { [rest[0]!]: value };
  const source = (root === 'tls' ? 'https' : root) as ProtocolName;
  return createObservation({ source, ip: '192.0.2.10', ...(sections as Partial<ObservationSections>) }, { site: 'test', agent: 'test' });
}

describe('shared counter-examples (fingerprints/counter-examples.json)', () => {
  const shared = (JSON.parse(readFileSync(join(directory, 'counter-examples.json'), 'utf8')) as { entries: SharedCounterExample[] }).entries;

  it('are plenty and each names a field rules read', () => {
    expect(shared.length).toBeGreaterThanOrEqual(30);
  });

  for (const entry of shared) {
    it(`${entry.field} = ${JSON.stringify(entry.value)} (${entry.note}) is matched by no decisive covered-maker rule and is not covered alone`, () => {
      const candidates = [...rulesOfField(entry.field), ...knowledgeBase.modelRules, ...knowledgeBase.firmwareRules];
      for (const rule of candidates) {
        if (rule.confidence >= 0.5 && coveredVendorOf(rule) && rule.regex.test(entry.value)) {
          throw new Error(`${rule.id} (${coveredVendorOf(rule)}, confidence ${rule.confidence}) matches the counter-example`);
        }
      }
      const identification = identify([observationWith(entry.field, entry.value)], knowledgeBase);
      expect(identification.covered).toBe(false);
      if (identification.vendor) expect(knowledgeBase.vendors.get(identification.vendor)?.covered).toBe(false);
    });
  }
});

describe('loading a broken knowledge base', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'camaudit-fp-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  function brokenCopy(name: string, rule: Record<string, unknown>): string {
    const copy = join(scratch, name);
    cpSync(directory, copy, { recursive: true });
    writeFileSync(join(copy, 'zz-broken.json'), JSON.stringify({ rules: [rule] }));
    return copy;
  }
  const valid = { id: 'broken-rule', field: 'http.headers.server', pattern: '^x$', set: { 'hw.vendor': 'Hikvision' }, confidence: 0.5, source: { author: 'test', reference: ['test'] }, examples: [{ value: 'x', expect: {} }] };

  it.each([
    ['an unknown param', { ...valid, set: { 'hw.maker': 'Hikvision' } }, /set property name "hw.maker" must be equal to one of the allowed values/],
    ['a vendor not in vendors.json', { ...valid, set: { 'hw.vendor': 'Hikvisoin' } }, /vendors\.json/],
    ['a capture reference without a group', { ...valid, set: { 'hw.model': '$1' } }, /\$1/],
    ['a pattern that does not compile', { ...valid, pattern: '(' }, /does not compile/],
    ['no examples', { ...valid, examples: [] }, /examples must NOT have fewer than 1 items/],
    ['no source', { ...valid, source: { author: 'x', reference: [] } }, /source\/reference must NOT have fewer than 1 items/],
    ['a field outside the Observation', { ...valid, field: 'snmp.sysDescr' }, /field must match pattern/],
    ['a confidence outside 0..1', { ...valid, confidence: -0.1 }, /confidence must be >= 0/],
    ['an unknown key', { ...valid, weight: 1 }, /must NOT have additional properties/],
    ['a duplicate id', { ...valid, id: 'hikvision-http-server-webs' }, /duplicate/],
    ['a brandConfidence on a rule that sets no brand', { ...valid, brandConfidence: 0.2 }, /set must have required property 'hw\.brand'/],
    ['a brandConfidence outside 0..1', { ...valid, set: { 'hw.brand': 'LTS' }, brandConfidence: 2 }, /brandConfidence/],
  ])('rejects %s with CAMAUDIT_ERR_BAD_FINGERPRINT naming file and rule', (name, rule, message) => {
    const copy = brokenCopy(name.replace(/\W+/g, '-'), rule);
    let thrown: unknown;
    try {
      loadKnowledgeBase(copy);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CamauditError);
    expect((thrown as CamauditError).code).toBe('CAMAUDIT_ERR_BAD_FINGERPRINT');
    expect((thrown as Error).message).toMatch(/zz-broken\.json: rule "(?:broken-rule|hikvision-http-server-webs)"/);
    expect((thrown as Error).message).toMatch(message);
  });
});
