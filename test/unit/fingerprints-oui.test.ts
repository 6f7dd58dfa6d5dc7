// The generated OUI file is exactly what the installed oui-data package says: every Hikvision, Ezviz and Dahua
// assignment (MA-L, MA-M, MA-S) is in it, nothing else is attributed to them, and the file records the version.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKnowledgeBase } from '../../src/match/index.js';
import { defaultFingerprintDirectory } from '../../src/match/load-knowledge-base.js';
import { isUnregisteredMac } from '../../src/match/oui.js';
import { macHex } from '../../src/net/mac.js';
import { buildMatchers, readOuiPackage, selectEntries, type OuiEntry } from '../../scripts/generate-oui.js';

const directory = defaultFingerprintDirectory();
const generated = JSON.parse(readFileSync(join(directory, 'oui.generated.json'), 'utf8')) as { generatedFrom: { package: string; version: string }; entries: OuiEntry[] };
const installed = readOuiPackage(dirname(createRequire(import.meta.url).resolve('oui-data')));
const knowledgeBase = loadKnowledgeBase();
const byPrefix = new Map(generated.entries.map((entry) => [entry.prefix, entry]));

function organisationOf(text: string): string {
  return (text.split('\n')[0] ?? '').trim();
}

describe('fingerprints/oui.generated.json', () => {
  it('records the installed oui-data version it was generated from', () => {
    expect(generated.generatedFrom).toMatchObject({ package: 'oui-data', version: installed.version });
  });

  it('holds every Hikvision, Ezviz and Dahua assignment of the registry, at its own prefix length', () => {
    let checked = 0;
    for (const [key, text] of Object.entries(installed.registry)) {
      const organisation = organisationOf(text);
      if (!/hikvision|ezviz|dahua/i.test(organisation)) continue;
      // Shanghai Dahua Scale Factory shares a word with Dahua Technology and nothing else.
      if (/dahua scale/i.test(organisation)) {
        expect(byPrefix.get(key)?.vendor).toBeUndefined();
        continue;
      }
      const entry = byPrefix.get(key);
      expect(entry, `${key} ${organisation}`).toBeDefined();
      expect(entry!.length).toBe(({ 6: 24, 7: 28, 9: 36 } as Record<number, number>)[key.length]);
      expect(entry!.vendor).toBe(/dahua/i.test(organisation) ? 'Dahua' : 'Hikvision');
      if (/ezviz/i.test(organisation)) expect(entry!.brand).toBe('Ezviz');
      checked += 1;
    }
    expect(checked).toBeGreaterThanOrEqual(100);
  });

  it('is exactly what the generator makes from the installed package (not stale, not hand-edited)', () => {
    const vendors = JSON.parse(readFileSync(join(directory, 'vendors.json'), 'utf8'));
    const brands = JSON.parse(readFileSync(join(directory, 'oem-brands.json'), 'utf8'));
    expect(selectEntries(installed.registry, buildMatchers(vendors, brands))).toEqual(generated.entries);
  });

  it('never attributes an unrelated company to a covered maker', () => {
    for (const entry of generated.entries) {
      if (entry.vendor === 'Hikvision') expect(entry.organisation).toMatch(/hikvision|ezviz|hikrobot|microimage/i);
      if (entry.vendor === 'Dahua') expect(entry.organisation).toMatch(/dahua|huacheng|huaray/i);
    }
  });
});

describe('OUI lookup', () => {
  it('finds MA-L assignments', () => {
    expect(knowledgeBase.oui.lookup('44:47:cc:37:ce:81')).toMatchObject({ vendor: 'Hikvision', length: 24 });
    expect(knowledgeBase.oui.lookup('08-ED-ED-87-42-7A')).toMatchObject({ vendor: 'Dahua' });
    expect(knowledgeBase.oui.lookup('0ca6.4c12.3456')).toMatchObject({ vendor: 'Hikvision', brand: 'Ezviz' });
  });

  it('prefers the longest prefix: a /36 or /28 inside an IEEE block belongs to its own holder', () => {
    // 40:2C:76:1 is Shanghai Dahua Scale Factory (MA-S), not Dahua Technology.
    expect(knowledgeBase.oui.lookup('40:2c:76:10:00:01')?.vendor).toBeUndefined();
    // B0:B3:53:6 is Hangzhou Hikrobot (MA-M) inside an IEEE Registration Authority /24.
    expect(knowledgeBase.oui.lookup('b0:b3:53:61:22:33')).toMatchObject({ vendor: 'Hikvision', brand: 'Hikrobot', length: 28 });
    expect(knowledgeBase.oui.lookup('b0:b3:53:71:22:33')).toBeUndefined();
  });

  it('ignores locally administered and group addresses, and junk', () => {
    expect(isUnregisteredMac(macHex('46:47:cc:00:00:01')!)).toBe(true);
    expect(knowledgeBase.oui.lookup('46:47:cc:00:00:01')).toBeUndefined();
    expect(knowledgeBase.oui.lookup('not a mac')).toBeUndefined();
    expect(knowledgeBase.oui.lookup('44:47:cc')).toBeUndefined();
  });

  it('gives printers and routers a vendor and a class hint, not a camera', () => {
    const hp = generated.entries.find((entry) => entry.vendor === 'HP');
    expect(hp?.deviceClass).toBe('printer');
    const tplink = generated.entries.find((entry) => entry.vendor === 'TP-Link');
    expect(tplink?.deviceClass).toBe('router');
  });
});
