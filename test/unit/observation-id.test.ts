import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DETECT_CHARS, createImporter, detectFormat, importText } from '../../src/import/index.js';
import { sectionsOf } from '../../src/inventory/index.js';
import { parseObservationLine } from '../../src/match/index.js';
import type { JsonValue, Observation, ObservationSections } from '../../src/model.js';
import { createObservation, normaliseMac, observationId } from '../../src/observation.js';

const corpusDirectory = join(import.meta.dirname, '..', 'fixtures', 'corpus');

const context = { site: 'hq', agent: 'a1' };

describe('observation ids', () => {
  it('are the same for the same sighting at another time, by another agent', () => {
    const input = { source: 'http' as const, ip: '10.0.0.5', port: 80, http: { headers: { server: 'App-webs/' } } };
    const first = createObservation(input, { ...context, now: () => new Date('2026-01-01T00:00:00Z') });
    const second = createObservation(input, { site: 'hq', agent: 'a2', now: () => new Date('2026-02-01T00:00:00Z') });
    expect(first.id).toBe(second.id);
    expect(first.observedAt).not.toBe(second.observedAt);
  });

  it('ignore the Date header, cookies and digest nonces, which change on every response', () => {
    const a = observationId('hq', { source: 'http', ip: '10.0.0.5', port: 80, http: { headers: { server: 'DNVRS-Webs', date: 'Mon, 01 Jan 2026 00:00:00 GMT', 'www-authenticate': 'Digest realm="DS-7608NI", nonce="abc"' } } });
    const b = observationId('hq', { source: 'http', ip: '10.0.0.5', port: 80, http: { headers: { server: 'DNVRS-Webs', date: 'Tue, 02 Jan 2026 00:00:00 GMT', 'www-authenticate': 'Digest realm="DS-7608NI", nonce="xyz"' } } });
    expect(a).toBe(b);
  });

  it('differ when what was seen differs: address, site, realm or server', () => {
    const base = { source: 'http' as const, ip: '10.0.0.5', port: 80, http: { headers: { server: 'App-webs/', 'www-authenticate': 'Digest realm="IP Camera(C2183)", nonce="1"' } } };
    const id = observationId('hq', base);
    expect(observationId('branch', base)).not.toBe(id);
    expect(observationId('hq', { ...base, ip: '10.0.0.6' })).not.toBe(id);
    expect(observationId('hq', { ...base, http: { headers: { ...base.http.headers, server: 'Webs' } } })).not.toBe(id);
    expect(observationId('hq', { ...base, http: { headers: { ...base.http.headers, 'www-authenticate': 'Digest realm="Other", nonce="1"' } } })).not.toBe(id);
  });

  it('stay what they were: ids already stored in inventories must not change when the hashing code is tuned', () => {
    // Computed by the code before it was tuned for speed (issue 15); nested objects, arrays, escapes, volatile headers.
    const sections = { source: 'http', ip: '10.0.0.5', port: 80, mac: '44:47:cc:37:ce:81', http: { headers: { server: 'DNVRS-Webs', date: 'x', 'www-authenticate': 'Digest realm="DS-7608NI", nonce="abc"' }, title: 'é "q"' }, wsdiscovery: { types: ['a', 'b'], scopes: [], xaddrs: ['http://x/'], metadataVersion: 2 }, dhip: { nested: { z: 1, a: [true, null] } } } satisfies ObservationSections;
    expect(observationId('hq', structuredClone(sections))).toBe('6036497bb028a6e9e32f74b25239e878');
    expect(createObservation({ ...(structuredClone(sections)), transport: 'tcp', interface: 'eth0' }, context).id).toBe('6036497bb028a6e9e32f74b25239e878');
  });

  it('keep the volatile values in the observation itself', () => {
    const observation = createObservation({ source: 'http', ip: '10.0.0.5', http: { headers: { date: 'x' } } }, context);
    expect(observation.http?.headers.date).toBe('x');
  });
});

describe('normaliseMac', () => {
  it('accepts the forms devices send', () => {
    expect(normaliseMac('44-47-CC-37-CE-81')).toBe('44:47:cc:37:ce:81');
    expect(normaliseMac('4447.cc37.ce81')).toBe('44:47:cc:37:ce:81');
    expect(normaliseMac('44:47:cc:37:ce')).toBeUndefined();
    expect(normaliseMac('')).toBeUndefined();
  });
});

describe('observation ids of parsed lines', () => {
  // A parsed line builds its observation in member-name order and hashes JSON.stringify's text; the general path
  // (canonicalJson) must give the very same id for the same sections, or ids would differ by how a sighting arrived.
  const general = (observation: Observation): string => observationId(observation.site, sectionsOf(observation));

  it('equal the general path for every line of the labelled corpus', () => {
    let count = 0;
    for (const file of readdirSync(corpusDirectory).filter((name) => name.endsWith('.jsonl'))) {
      for (const text of readFileSync(join(corpusDirectory, file), 'utf8').split('\n')) {
        if (text.trim() === '') continue;
        const entry = JSON.parse(text) as { observation?: unknown; observations?: unknown[] };
        for (const item of entry.observations ?? [entry.observation]) {
          const parsed = parseObservationLine(JSON.stringify({ ...(item as object), id: undefined }), { site: 'hq', agent: 'a' });
          if (!parsed.ok) throw new Error(`${file}: ${parsed.reason}`);
          expect(parsed.observation.id).toBe(general(parsed.observation));
          count += 1;
        }
      }
    }
    expect(count).toBeGreaterThan(200);
  });

  it('equal the general path for any line, members in any order, volatile headers and odd keys included', () => {
    const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', 'Date', 'date', 'server', '10', '9', 'Z', 'a', '"', 'é', '\ud800'));
    const map = fc.dictionary(text, fc.oneof(text, fc.integer(), fc.boolean()), { maxKeys: 5 });
    const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({ value: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(text, tie('value'), { maxKeys: 3 })) })).value;
    const line = fc.record(
      {
        source: fc.constantFrom('http', 'nmap', 'dhip', 'sadp'),
        ip: fc.constantFrom('10.0.0.1', '2001:db8::1'),
        port: fc.integer({ min: 0, max: 65535 }),
        mac: fc.constantFrom('44:47:cc:00:00:01', '4C-11-BF-00-11-22'),
        transport: fc.constantFrom('tcp', 'unicast'),
        interface: fc.constantFrom('eth0'),
        http: fc.record({ headers: map, title: text, status: fc.integer({ min: 0, max: 999 }) }, { requiredKeys: [] }),
        rtsp: fc.record({ headers: map }, { requiredKeys: [] }),
        sadp: map,
        dhip: fc.dictionary(text, json, { maxKeys: 4 }),
        mdns: fc.record({ name: text, txt: fc.oneof(map, fc.array(text, { maxLength: 4 })), port: fc.integer({ min: 0, max: 65535 }) }, { requiredKeys: [] }),
        wsdiscovery: fc.record({ scopes: fc.array(text, { maxLength: 3 }), types: fc.array(text, { maxLength: 2 }), metadataVersion: fc.nat() }, { requiredKeys: [] }),
      },
      { requiredKeys: ['source', 'ip'] },
    );
    let parsedCount = 0;
    fc.assert(
      fc.property(line, (value) => {
        const parsed = parseObservationLine(JSON.stringify(value), { site: 'hq', agent: 'a' });
        if (!parsed.ok) return;
        parsedCount += 1;
        expect(parsed.observation.id).toBe(general(parsed.observation));
      }),
      { numRuns: 1000 },
    );
    expect(parsedCount).toBeGreaterThan(500);
  });

  it('of every import format equal the general path (the line formats build their inputs in name order)', () => {
    const directory = join(import.meta.dirname, '..', 'fixtures', 'import');
    let count = 0;
    const formats = new Set<string>();
    for (const file of readdirSync(directory).filter((name) => !name.endsWith('.md'))) {
      const text = readFileSync(join(directory, file), 'utf8');
      const format = detectFormat(text.slice(0, DETECT_CHARS));
      if (format === undefined) throw new Error(`${file}: format not detected`);
      for (const item of importText(createImporter(format, { site: 'hq', agent: 'a', scanId: 's1' }), text)) {
        if (!item.ok) continue;
        expect(item.observation.id).toBe(general(item.observation));
        formats.add(format);
        count += 1;
      }
    }
    expect(formats.size).toBeGreaterThanOrEqual(6);
    expect(count).toBeGreaterThan(40);
  });

  it('refuse, with a reason, a line nested too deeply to hash, and the general path refuses what an agent pushes so', () => {
    const deep = `{"source":"dhip","ip":"10.0.0.1","dhip":{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}}`;
    const parsed = parseObservationLine(deep, { site: 'hq', agent: 'a' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(/nested deeper/);
    let nested: unknown = [];
    for (let level = 0; level < 100_000; level += 1) nested = [nested];
    expect(() => observationId('hq', { source: 'dhip', ip: '10.0.0.1', dhip: { a: nested as JsonValue } })).toThrow(/nested deeper/);
  });
});
