// Brand versus maker: an own-brand device says its maker's brand from its model family alone, an OEM label
// always outweighs that, and no brand ever changes the maker. SADP (Hikvision's own protocol) names the maker
// by itself; its OEMInfo is an unverified brand label.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { identify, loadKnowledgeBase } from '../../src/match/index.js';
import { resolveBrand } from '../../src/match/combine.js';
import type { CompiledRule } from '../../src/match/types.js';
import { OUI_CONFIDENCE } from '../../src/match/weights.js';
import type { Observation } from '../../src/model.js';
import { type ObservationInput, createObservation } from '../../src/observation.js';
import { packageRoot } from '../../src/package-root.js';

const knowledgeBase = loadKnowledgeBase();
const observe = (input: ObservationInput): Observation => createObservation(input, { site: 'test', agent: 'test', now: () => new Date('2026-11-01T00:00:00Z') });
const ruleIds = (observations: Observation[]): string[] => identify(observations, knowledgeBase).evidence.map((item) => item.ruleId);

const sadp = (ip: string, fields: Record<string, string>, mac?: string): Observation => observe({ source: 'sadp', ip, ...(mac ? { mac } : {}), sadp: fields });

describe('own-brand devices: the model family names the maker\'s own brand', () => {
  it.each([
    ['DS-2CD2320D-I', '44:47:cc:37:ce:81', 'camera'],
    ['DS-2CD2722FWD-IZS', '18:68:cb:15:b2:84', 'camera'],
    ['DS-KH6210-L', 'e0:ca:3c:9a:11:0d', 'intercom'],
    ['DS-7608NI-K2', '44:a6:42:5b:20:11', 'nvr'],
  ])('%s found by SADP with a Hikvision OUI is brand Hikvision', (model, mac, deviceClass) => {
    const result = identify([sadp('10.2.0.1', { DeviceDescription: model, MAC: mac.replace(/:/g, '-'), OEMInfo: 'N/A' }, mac)], knowledgeBase);
    expect(result).toMatchObject({ vendor: 'Hikvision', brand: 'Hikvision', model, deviceClass, covered: true });
    expect(result.conflicts).toEqual([]);
  });

  it('an ONVIF model of Hikvision\'s own family (no Manufacturer) is brand Hikvision too', () => {
    const result = identify([observe({ source: 'onvif', ip: '10.2.0.2', mac: '58:50:ed:3a:10:21', onvif: { deviceInformation: { Model: 'DS-2CD2385G1-I' } } })], knowledgeBase);
    expect(result).toMatchObject({ vendor: 'Hikvision', brand: 'Hikvision', model: 'DS-2CD2385G1-I' });
  });

  it('Dahua\'s own families are brand Dahua when the DHIP Vendor is a generic label', () => {
    const result = identify([observe({ source: 'dhip', ip: '10.2.0.3', dhip: { mac: '08:ed:ed:87:42:7a', DeviceClass: 'IPC', DeviceType: 'IPC-HDW1431T1-S4', Vendor: 'Private', SerialNo: '6C01E93PAG69A7D' } })], knowledgeBase);
    expect(result).toMatchObject({ vendor: 'Dahua', brand: 'Dahua', model: 'IPC-HDW1431T1-S4' });
    const nvr = identify([observe({ source: 'onvif', ip: '10.2.0.4', onvif: { deviceInformation: { Model: 'DHI-NVR4208-8P' } } })], knowledgeBase);
    expect(nvr).toMatchObject({ brand: 'Dahua' });
  });

  it('without a family model there is no brand guess', () => {
    const result = identify([sadp('10.2.0.5', { DeviceDescription: 'I91BM', SoftwareVersion: 'V5.7.3build 220315' })], knowledgeBase);
    expect(result).toMatchObject({ vendor: 'Hikvision', brand: null, model: 'I91BM' });
  });
});

describe('OEM labels outweigh the family brand, and never change the maker', () => {
  it('an LTS OUI on a unit that keeps a Hikvision model number: brand LTS', () => {
    const result = identify([sadp('10.2.1.1', { DeviceDescription: 'DS-2CD2385G1-I', MAC: '14-2f-fd-41-07-3c' }, '14:2f:fd:41:07:3c')], knowledgeBase);
    expect(result).toMatchObject({ vendor: 'Hikvision', brand: 'LTS', model: 'DS-2CD2385G1-I', covered: true });
  });

  it('an ONVIF Manufacturer HiLook on a Hikvision model number: brand HiLook', () => {
    const result = identify([observe({ source: 'onvif', ip: '10.2.1.2', mac: 'c0:51:7e:62:91:0a', onvif: { deviceInformation: { Manufacturer: 'HiLook', Model: 'DS-2CD1043G0-I' } } })], knowledgeBase);
    expect(result).toMatchObject({ vendor: 'Hikvision', brand: 'HiLook' });
  });

  it('HiLook\'s own model family with a Hikvision OUI: brand HiLook', () => {
    const result = identify([sadp('10.2.1.3', { DeviceDescription: 'IPC-B140H', MAC: 'c0-51-7e-62-91-0a' }, 'c0:51:7e:62:91:0a')], knowledgeBase);
    expect(result).toMatchObject({ vendor: 'Hikvision', brand: 'HiLook', deviceClass: 'camera' });
  });

  it('a DHIP OEM Vendor on a Dahua model number: brand Intelbras, and Lorex from ONVIF', () => {
    const intelbras = identify([observe({ source: 'dhip', ip: '10.2.1.4', dhip: { mac: '4c:11:bf:c2:0b:9d', DeviceClass: 'IPC', DeviceType: 'IPC-HFW1120S-W', Vendor: 'IntelBras' } })], knowledgeBase);
    expect(intelbras).toMatchObject({ vendor: 'Dahua', brand: 'Intelbras' });
    const lorex = identify([observe({ source: 'onvif', ip: '10.2.1.5', mac: '4c:11:bf:00:00:01', onvif: { deviceInformation: { Manufacturer: 'Lorex', Model: 'IPC-HDW5421S' } } })], knowledgeBase);
    expect(lorex).toMatchObject({ vendor: 'Dahua', brand: 'Lorex' });
  });

  it('a brand of another maker is a conflict: an LTS OUI on a Dahua DHIP reply stays vendor Dahua', () => {
    const result = identify([observe({ source: 'dhip', ip: '10.2.1.6', mac: '14:2f:fd:00:00:01', dhip: { mac: '14:2f:fd:00:00:01', DeviceClass: 'IPC', DeviceType: 'IPC-HDW5421S', Vendor: 'Dahua' } })], knowledgeBase);
    expect(result).toMatchObject({ vendor: 'Dahua', brand: 'Dahua', covered: true });
    expect(result.conflicts.join('\n')).toMatch(/brand LTS .*belongs to Hikvision, but the evidence names Dahua/);
  });

  it('the data says so: every own-brand family claim weighs less than any other brand claim and than an OEM OUI', () => {
    const allRules: CompiledRule[] = [...knowledgeBase.ruleById.values()];
    // A model rule whose brand is its own maker's own brand (oem-brands.json relation `own`, or the maker's name).
    const isFamilyOwnBrand = (rule: CompiledRule): boolean => {
      const brand = rule.set['hw.brand'];
      const resolved = brand && !brand.includes('$') ? resolveBrand(knowledgeBase, brand) : undefined;
      const ownMaker = resolved?.brand ? (resolved.brand.relation === 'own' ? resolved.brand.maker : undefined) : resolved?.ownVendor;
      return knowledgeBase.modelRuleIds.has(rule.id) && ownMaker !== undefined && ownMaker === rule.set['hw.vendor'];
    };
    const family = allRules.filter(isFamilyOwnBrand);
    const explicit = allRules.filter((rule) => rule.set['hw.brand'] !== undefined && !isFamilyOwnBrand(rule));
    expect(family.map((rule) => rule.id)).toEqual(expect.arrayContaining(['hikvision-model-camera', 'hikvision-model-nvr', 'hikvision-model-indoor-station', 'dahua-model-camera', 'dahua-model-nvr', 'axis-model', 'hp-model-printer']));
    expect(explicit.map((rule) => rule.id)).toEqual(expect.arrayContaining(['hilook-model-camera', 'ezviz-model-camera', 'onvif-manufacturer-brand', 'hikvision-sadp-oem-info', 'dahua-dhip-vendor-oem']));
    const strongestFamily = Math.max(...family.map((rule) => rule.brandConfidence));
    const weakestExplicit = Math.min(...explicit.map((rule) => rule.brandConfidence), OUI_CONFIDENCE);
    expect(strongestFamily).toBeLessThan(weakestExplicit);
    // The family claim is weak for the brand only: as evidence of the maker the rule keeps its confidence.
    for (const rule of family) expect(rule.confidence).toBeGreaterThan(rule.brandConfidence);
  });
});

/** The SADP fields the lab's LTS device sends, with the profile's {{placeholders}} filled in. */
function ltsLabSadpFields(): { fields: Record<string, string>; mac: string; ip: string } {
  const profile = JSON.parse(readFileSync(join(packageRoot(), 'test', 'lab', 'profiles', 'lts-ipc.json'), 'utf8')) as {
    ip: string;
    mac: string;
    identity: Record<string, string | number | boolean>;
    protocols: { sadp: { fields: Record<string, string> } };
  };
  const values: Record<string, string> = { ip: profile.ip, mac: profile.mac, macDash: profile.mac.replace(/:/g, '-') };
  for (const [key, value] of Object.entries(profile.identity)) values[`identity.${key}`] = String(value);
  const fields: Record<string, string> = {};
  for (const [name, template] of Object.entries(profile.protocols.sadp.fields)) {
    fields[name] = template.replace(/\{\{([^}]+)\}\}/g, (_, key: string) => {
      if (values[key] === undefined) throw new Error(`lts-ipc.json: unknown placeholder {{${key}}}`);
      return values[key];
    });
  }
  return { fields, mac: profile.mac, ip: profile.ip };
}

describe('SADP: the reply names the maker, OEMInfo is an unverified brand label', () => {
  it('the lab LTS unit\'s SADP reply alone: vendor Hikvision with its model, brand LTS, covered', () => {
    const { fields, mac, ip } = ltsLabSadpFields();
    expect(fields.OEMInfo).toBe('LTS');
    const result = identify([sadp(ip, fields, mac)], knowledgeBase);
    expect(result).toMatchObject({ vendor: 'Hikvision', brand: 'LTS', model: 'CMIP3C42W-28', covered: true });
    expect(result.evidence.find((item) => item.ruleId === 'hikvision-sadp-oem-info')).toMatchObject({ field: 'sadp.OEMInfo', params: { 'hw.brand': 'LTS' }, confidence: 0.4 });
  });

  it('OEMInfo gives the brand even when the MAC block is Hikvision\'s own, and outweighs the family brand', () => {
    const result = identify([sadp('10.2.2.1', { DeviceDescription: 'DS-2CD2385G1-I', MAC: '58-50-ed-1f-e3-85', OEMInfo: 'LTS', DetailOEMCode: '2' }, '58:50:ed:1f:e3:85')], knowledgeBase);
    expect(result).toMatchObject({ vendor: 'Hikvision', brand: 'LTS' });
  });

  it('OEMInfo N/A (a Hikvision-branded unit) is no brand evidence', () => {
    const evidence = identify([sadp('10.2.2.2', { DeviceDescription: 'DS-KH6210-L', OEMInfo: 'N/A', MAC: 'e0-ca-3c-9a-11-0d' })], knowledgeBase).evidence;
    expect(evidence.some((item) => item.field === 'sadp.OEMInfo')).toBe(false);
  });

  it('OEMInfo is weighed as unverified: a verified label outweighs it, and alone it names no maker', () => {
    const both = identify([
      sadp('10.2.2.3', { DeviceDescription: 'DS-2CD2385G1-I', OEMInfo: 'Luma' }),
      observe({ source: 'onvif', ip: '10.2.2.3', onvif: { deviceInformation: { Manufacturer: 'HiLook', Model: 'DS-2CD2385G1-I' } } }),
    ], knowledgeBase);
    expect(both.brand).toBe('HiLook');
    const alone = identify([sadp('10.2.2.4', { OEMInfo: 'LTS' })], knowledgeBase);
    expect(alone.vendor).toBeNull();
    expect(alone.covered).toBe(false);
  });

  it('a reply with no readable label, MAC or serial is still Hikvision firmware: the inquiry echo and numeric fields', () => {
    const bare = identify([sadp('10.2.2.5', { Types: 'inquiry', DeviceType: '141945', CommandPort: '8000' })], knowledgeBase);
    expect(bare).toMatchObject({ vendor: 'Hikvision', covered: true });
    expect(ruleIds([sadp('10.2.2.5', { Types: 'inquiry', DeviceType: '141945', CommandPort: '8000' })])).toEqual(expect.arrayContaining(['hikvision-sadp-inquiry-reply', 'hikvision-sadp-numeric-fields']));
    const oemModel = identify([sadp('10.2.2.6', { Types: 'inquiry', DeviceType: '141945', DeviceDescription: 'CMIP3C42W-28', DetailOEMCode: '2' })], knowledgeBase);
    expect(oemModel).toMatchObject({ vendor: 'Hikvision', model: 'CMIP3C42W-28', brand: null });
  });
});

describe('evidence params are shared and read-only', () => {
  it('rules without captures and OUI assignments hand out frozen params, so nothing downstream can alter the knowledge base', () => {
    const result = identify([sadp('10.2.3.1', { Types: 'inquiry', DeviceDescription: 'DS-2CD2320D-I', MAC: '44-47-cc-37-ce-81' }, '44:47:cc:37:ce:81')], knowledgeBase);
    const shared = result.evidence.filter((item) => item.ruleId === 'hikvision-sadp-inquiry-reply' || item.ruleId === 'hikvision-model-camera' || item.ruleId.startsWith('oui:'));
    expect(shared).toHaveLength(3);
    for (const item of shared) {
      expect(Object.isFrozen(item.params), item.ruleId).toBe(true);
      expect(() => {
        (item.params as Record<string, string>)['hw.brand'] = 'Tampered';
      }).toThrow(TypeError);
    }
    expect(identify([sadp('10.2.3.1', { DeviceDescription: 'DS-2CD2320D-I' })], knowledgeBase).brand).toBe('Hikvision');
  });
});
