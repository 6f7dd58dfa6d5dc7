// Every importer on seeded random text and on mutated real-format samples (test/fixtures/import): it never throws,
// and whatever it accepts is a well-formed observation (an address or a MAC, canonical MAC, bounded values).
import { readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IMPORT_FORMATS, createImporter, detectFormat, importText, type ImportFormat } from '../../src/import/index.js';
import { mutated } from './mutate.js';

const SEED = 0x15;
const fixtures = join('test', 'fixtures', 'import');
const samples = readdirSync(fixtures)
  .filter((name) => !name.endsWith('.md'))
  .map((name) => readFileSync(join(fixtures, name)));
const context = { site: 'fuzz', agent: 'fuzz', now: () => new Date('2026-12-01T00:00:00Z') };

function check(format: ImportFormat, text: string): void {
  for (const item of importText(createImporter(format, context), text)) {
    expect(Number.isInteger(item.line) && item.line >= 1).toBe(true);
    if (!item.ok) {
      expect(item.reason.length).toBeLessThan(400);
      continue;
    }
    const { observation } = item;
    expect(observation.ip === '' ? observation.mac !== undefined : isIP(observation.ip) !== 0).toBe(true);
    if (observation.mac !== undefined) expect(observation.mac).toMatch(/^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/);
    if (observation.port !== undefined) expect(observation.port >= 1 && observation.port <= 65535).toBe(true);
    expect(observation.id).toMatch(/^[0-9a-f]{32}$/);
    for (const value of [observation.host?.hostname, observation.switchPort?.port, observation.switchPort?.vlan, observation.service?.product]) {
      if (value !== undefined) expect(value.length).toBeLessThanOrEqual(1024);
    }
    expect(Object.getPrototypeOf(observation)).toBe(Object.prototype);
  }
}

describe('importers under fuzzing', () => {
  it.each(IMPORT_FORMATS)('%s: random text', (format) => {
    fc.assert(fc.property(fc.string({ maxLength: 2000 }), (text) => check(format, text)), { seed: SEED, numRuns: 300 });
  });

  it.each(IMPORT_FORMATS)('%s: mutated real-format samples', (format) => {
    fc.assert(fc.property(mutated(samples), (bytes) => check(format, bytes.toString('utf8'))), { seed: SEED, numRuns: 300 });
  });

  it('format detection never throws and names only known formats', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 2000 }), mutated(samples).map((bytes) => bytes.toString('utf8'))), (text) => {
        const format = detectFormat(text);
        if (format !== undefined) expect(IMPORT_FORMATS).toContain(format);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('nmap: prototype names in attributes and keys do not reach Object.prototype', () => {
    const text = '<host><status state="up"/><address addr="10.0.0.1" addrtype="ipv4"/><ports><port protocol="tcp" portid="80"><state state="open"/><script id="fingerprint-strings"><elem key="GetRequest">HTTP/1.1 200 OK&#xa;__proto__: x&#xa;constructor: y</elem></script></port></ports></host>\n';
    check('nmap-xml', text);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
