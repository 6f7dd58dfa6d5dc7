// identify(): evidence from several observations → one verdict a compliance officer can defend.
import { describe, expect, it } from 'vitest';
import { identify, loadKnowledgeBase, matchObservation, parseFirmware } from '../../src/match/index.js';
import type { Observation } from '../../src/model.js';
import { type ObservationInput, createObservation } from '../../src/observation.js';

const knowledgeBase = loadKnowledgeBase();
const observe = (input: ObservationInput): Observation => createObservation(input, { site: 'test', agent: 'test', now: () => new Date('2026-11-01T00:00:00Z') });
const channels = (observations: Observation[]): Set<string> =>
  new Set(identify(observations, knowledgeBase).evidence.map((item) => (item.field === 'mac' ? 'oui' : (item.field.split('.')[0] ?? item.field))));

describe('identify', () => {
  it('names the maker behind an OEM label: LTS-branded Hikvision is vendor Hikvision, brand LTS, covered', () => {
    // An LTS unit: the label says LTS, the firmware format, HardwareId and the MAC block are Hikvision's.
    const onvif = observe({
      source: 'onvif',
      ip: '10.1.0.20',
      mac: '44:47:cc:10:20:30',
      onvif: { deviceInformation: { Manufacturer: 'LTS', Model: 'CMIP3C42W-28', FirmwareVersion: 'V5.5.0 build 170725', SerialNumber: 'CMIP3C42W-2820170725AAWR123456789', HardwareId: '88' } },
    });
    const rtsp = observe({ source: 'rtsp', ip: '10.1.0.20', port: 554, rtsp: { status: 401, headers: { 'www-authenticate': 'Digest realm="IP Camera(C2875)", nonce="938032d91ffc30ca80b5da94c18887ac", stale="FALSE"' } } });
    const result = identify([onvif, rtsp], knowledgeBase);
    expect(result).toMatchObject({ vendor: 'Hikvision', brand: 'LTS', model: 'CMIP3C42W-28', covered: true, mac: '44:47:cc:10:20:30' });
    expect(result.firmware).toEqual({ raw: 'V5.5.0 build 170725', version: '5.5.0', buildDate: '2017-07-25' });
    expect(result.coveredReason).toMatch(/Covered List/);
    expect(result.conflicts).toEqual([]);
    const agreeing = channels([onvif, rtsp]);
    expect(agreeing.size).toBeGreaterThanOrEqual(2);
    expect(result.evidence.map((item) => item.ruleId)).toEqual(expect.arrayContaining(['oui:4447CC/24', 'hikvision-firmware-build', 'hikvision-realm-ip-camera', 'onvif-manufacturer-brand']));
    expect(result.confidence).toBeGreaterThan(identify([rtsp], knowledgeBase).confidence);
  });

  it('gets more confident as independent channels agree', () => {
    const realm = observe({ source: 'http', ip: '10.1.0.21', http: { headers: { 'www-authenticate': 'Digest qop="auth", realm="IP Camera(C2183)", nonce="x", stale="FALSE"' } } });
    const sadp = observe({ source: 'sadp', ip: '10.1.0.21', sadp: { DeviceDescription: 'DS-2CD2385G1-I', MAC: '58-50-ed-1f-e3-85', SoftwareVersion: 'V5.6.2build 190701' } });
    const one = identify([realm], knowledgeBase);
    const two = identify([realm, sadp], knowledgeBase);
    expect(one.vendor).toBe('Hikvision');
    expect(two.confidence).toBeGreaterThan(one.confidence);
    expect(two.model).toBe('DS-2CD2385G1-I');
    expect(two.deviceClass).toBe('camera');
  });

  it('names a non-covered camera and does not call it covered: Axis', () => {
    const result = identify([
      observe({ source: 'onvif', ip: '10.1.0.30', mac: 'ac:cc:8e:be:cc:ea', onvif: { deviceInformation: { Manufacturer: 'AXIS', Model: 'M5525-E', FirmwareVersion: '8.40.1.1', SerialNumber: 'ACCC8EBECCEA', HardwareId: '757' } } }),
    ], knowledgeBase);
    expect(result).toMatchObject({ vendor: 'Axis', brand: 'Axis', model: 'M5525-E', covered: false, coveredReason: null });
    expect(result.firmware?.version).toBe('8.40.1.1');
  });

  it('never decides on one weak signal: a lone `webserver` header gives vendor null', () => {
    const result = identify([observe({ source: 'http', ip: '10.1.0.40', http: { headers: { server: 'webserver' } } })], knowledgeBase);
    expect(result.vendor).toBeNull();
    expect(result.covered).toBe(false);
    expect(result.confidence).toBeLessThan(0.5);
    expect(result.evidence).toHaveLength(1);
  });

  it('says unknown when a brand alone points at a maker, and says why', () => {
    const result = identify([observe({ source: 'wsdiscovery', ip: '10.1.0.41', wsdiscovery: { types: [], scopes: ['onvif://www.onvif.org/name/LTS'], xaddrs: [] } })], knowledgeBase);
    expect(result).toMatchObject({ vendor: null, brand: 'LTS', covered: false });
    expect(result.conflicts.join('\n')).toMatch(/unconfirmed: brand LTS .*Hikvision/);
  });

  it('shows conflicts instead of hiding them', () => {
    const result = identify([
      observe({ source: 'sadp', ip: '10.1.0.50', sadp: { DeviceDescription: 'DS-2CD2320D-I', MAC: '44-47-cc-37-ce-81' } }),
      observe({ source: 'rtsp', ip: '10.1.0.50', rtsp: { headers: { server: 'Dahua Rtsp Server' } } }),
    ], knowledgeBase);
    expect(result.vendor).toBe('Hikvision');
    expect(result.conflicts.some((conflict) => conflict.startsWith('Dahua also indicated'))).toBe(true);
    const alone = identify([observe({ source: 'rtsp', ip: '10.1.0.50', rtsp: { headers: { server: 'Dahua Rtsp Server' } } })], knowledgeBase);
    expect(result.confidence).toBeLessThan(identify([observe({ source: 'sadp', ip: '10.1.0.50', sadp: { DeviceDescription: 'DS-2CD2320D-I', MAC: '44-47-cc-37-ce-81' } })], knowledgeBase).confidence);
    expect(alone.vendor).toBe('Dahua');
  });

  it('reads Dahua OEM builds: DHIP Vendor names the brand, the maker stays Dahua', () => {
    const result = identify([observe({ source: 'dhip', ip: '10.1.0.60', dhip: { mac: '4c:11:bf:c2:0b:9d', DeviceClass: 'IPC', DeviceType: 'VIP-S3120', SerialNo: '1F006E4PAX00075', Vendor: 'IntelBras', Version: '2.800.0000000.25.R,build:2020-06-18' } })], knowledgeBase);
    expect(result).toMatchObject({ vendor: 'Dahua', brand: 'Intelbras', covered: true, serial: '1F006E4PAX00075', deviceClass: 'camera' });
    expect(result.firmware).toEqual({ raw: '2.800.0000000.25.R,build:2020-06-18', version: '2.800.0000000.25', buildDate: '2020-06-18' });
  });

  it('classes a printer as a printer, never a camera', () => {
    const result = identify([observe({ source: 'http', ip: '10.1.0.70', http: { headers: { server: 'HP HTTP Server; HP OfficeJet Pro 8610 - A7F64A; Serial Number: CN57VF33H2; Built:Fri Jan 09, 2015 04:48:51PM {FDP1CN1502AR}' } } })], knowledgeBase);
    expect(result).toMatchObject({ vendor: 'HP', deviceClass: 'printer', covered: false, model: 'HP OfficeJet Pro 8610' });
  });

  it('takes the MAC from the Hikvision WS-Discovery endpoint UUID when nothing else gives it', () => {
    const result = identify([observe({ source: 'wsdiscovery', ip: '10.1.0.80', wsdiscovery: { endpoint: 'urn:uuid:cea94000-fb96-11b3-8260-686dbc5cb15d', types: ['dn:NetworkVideoTransmitter'], scopes: [], xaddrs: [] } })], knowledgeBase);
    expect(result.mac).toBe('68:6d:bc:5c:b1:5d');
    expect(result.vendor).toBe('Hikvision');
    expect(result.evidence.some((item) => item.ruleId === 'oui:686DBC/24')).toBe(true);
  });

  it('lists each piece of evidence with its rule, field, value and observation', () => {
    const observation = observe({ source: 'ssdp', ip: '10.1.0.90', ssdp: { headers: { server: 'Linux/3.8.8, UPnP/1.0, ZheJiang Dahua Technology CO.,LTD. Upnp SDK', usn: 'uuid:www.dahuatech.com.device_3_0-1L047ACPAW00037' } } });
    const evidence = matchObservation(observation, knowledgeBase);
    expect(evidence).toEqual(expect.arrayContaining([
      expect.objectContaining({ ruleId: 'dahua-ssdp-server', field: 'ssdp.headers.server', source: 'ssdp', observationId: observation.id }),
      expect.objectContaining({ ruleId: 'dahua-ssdp-usn', params: { 'hw.vendor': 'Dahua', 'hw.serial': '1L047ACPAW00037' } }),
    ]));
  });
});

describe('firmware parsing', () => {
  it.each([
    ['V5.5.0 build 170725', '5.5.0', '2017-07-25'],
    ['V5.5.6build 180326', '5.5.6', '2018-03-26'],
    ['V1.0, build 180613', '1.0', '2018-06-13'],
    ['V4.0.1build171121', '4.0.1', '2017-11-21'],
    ['2.800.0000000.25.R,build:2020-06-18', '2.800.0000000.25', '2020-06-18'],
    ['IPC_G3_EN_STD_5.5.160_210416', '5.5.160', '2021-04-16'],
    ['25.01.00_20250328_R392', '25.01.00', '2025-03-28'],
    ['2.800.0000000.13.R', '2.800.0000000.13', undefined],
    ['8.40.1.1', '8.40.1.1', undefined],
    ['V5.5.0 build 171399', '5.5.0', undefined],
  ])('%s → %s, %s', (raw, version, buildDate) => {
    const parsed = parseFirmware(raw);
    expect(parsed.version).toBe(version);
    expect(parsed.buildDate).toBe(buildDate);
  });

  it('keeps an unparseable string as raw only', () => {
    expect(parseFirmware('LFP-3_1 beta1')).toEqual({ raw: 'LFP-3_1 beta1' });
  });
});

describe('advisories (by version, never by probing)', () => {
  const onvif = (model: string, firmware: string): Observation =>
    observe({ source: 'onvif', ip: '10.1.1.1', onvif: { deviceInformation: { Manufacturer: 'HIKVISION', Model: model, FirmwareVersion: firmware } } });

  it('flags CVE-2017-7921 inside the published range and cites it', () => {
    const result = identify([onvif('DS-2CD2132F-I', 'V5.3.0 build 150513')], knowledgeBase);
    const advisory = result.advisories.find((item) => item.id === 'CVE-2017-7921');
    expect(advisory?.reason).toMatch(/in affected range.*DS-2CD2xx2F-I/);
    expect(advisory?.references.some((reference) => reference.includes('icsa-17-124-01'))).toBe(true);
  });

  it('does not flag CVE-2017-7921 outside the range', () => {
    expect(identify([onvif('DS-2CD2132F-I', 'V5.4.5 build 170124')], knowledgeBase).advisories.map((item) => item.id)).not.toContain('CVE-2017-7921');
    expect(identify([onvif('DS-2CD2132F-I', 'V5.1.0 build 131202')], knowledgeBase).advisories.map((item) => item.id)).not.toContain('CVE-2017-7921');
  });

  it('flags CVE-2021-36260 as probable for builds before 210628 and not after', () => {
    const before = identify([onvif('DS-2CD2385G1-I', 'V5.6.2 build 190701')], knowledgeBase).advisories.find((item) => item.id === 'CVE-2021-36260');
    expect(before?.reason).toMatch(/probable/);
    expect(identify([onvif('DS-2CD2385G1-I', 'V5.5.800 build 210628')], knowledgeBase).advisories).toEqual([]);
  });

  it('needs a vendor, a model and a firmware: no guess without them', () => {
    const result = identify([observe({ source: 'http', ip: '10.1.1.2', http: { headers: { server: 'webserver' } } })], knowledgeBase);
    expect(result.advisories).toEqual([]);
  });
});
