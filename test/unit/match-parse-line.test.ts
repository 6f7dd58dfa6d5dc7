// The `camaudit identify` input format: nested or dotted sections, every value type-checked, never a throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { identify, parseObservationLine } from '../../src/match/index.js';

const context = { site: 'hq', agent: 'laptop' };

describe('parseObservationLine', () => {
  it('accepts dotted top-level keys for every source', () => {
    const line = JSON.stringify({
      source: 'ssdp',
      ip: '192.168.1.20',
      port: 1900,
      mac: '4C-11-BF-C2-0B-9D',
      'http.headers': { Server: 'App-webs/' },
      'http.title': 'Login',
      'http.body': '<html></html>',
      'ssdp.headers': { SERVER: 'Linux/3.8.8, UPnP/1.0, ZheJiang Dahua Technology CO.,LTD. Upnp SDK' },
      'ssdp.description': { manufacturer: 'Dahua', modelName: 'IPC-HDW5421S' },
      'wsdiscovery.scopes': 'onvif://www.onvif.org/name/Dahua onvif://www.onvif.org/hardware/DH-IPC-HDW1230T2',
      'wsdiscovery.types': ['dn:NetworkVideoTransmitter', 'tds:Device'],
      'onvif.deviceInformation': { Manufacturer: 'Dahua', Model: 'IPC-HDW5421S' },
      'mdns.name': 'HIKVISION DS-2CD2722FWD-IZS - 733050075',
      'mdns.txt': { path: '/' },
      sadp: { DeviceDescription: 'DS-2CD2320D-I', DigitalChannelNum: 1 },
      dhip: { DeviceType: 'IPC-HDW5421S', IPv4Address: { IPAddress: '192.168.1.20' } },
      'rtsp.headers': { Server: 'Dahua Rtsp Server' },
      'tls.subject': 'CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN',
    });
    const result = parseObservationLine(line, context);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { observation } = result;
    expect(observation).toMatchObject({ site: 'hq', agent: 'laptop', source: 'ssdp', ip: '192.168.1.20', port: 1900, mac: '4c:11:bf:c2:0b:9d' });
    expect(observation.http?.headers).toEqual({ server: 'App-webs/' });
    expect(observation.ssdp?.headers.server).toMatch(/Dahua/);
    expect(observation.ssdp?.description?.modelName).toBe('IPC-HDW5421S');
    expect(observation.wsdiscovery?.scopes).toHaveLength(2);
    expect(observation.wsdiscovery?.types).toEqual(['dn:NetworkVideoTransmitter', 'tds:Device']);
    expect(observation.onvif?.deviceInformation?.Manufacturer).toBe('Dahua');
    expect(observation.mdns).toEqual({ name: 'HIKVISION DS-2CD2722FWD-IZS - 733050075', txt: { path: '/' } });
    expect(observation.sadp).toEqual({ DeviceDescription: 'DS-2CD2320D-I', DigitalChannelNum: '1' });
    expect(observation.dhip?.IPv4Address).toEqual({ IPAddress: '192.168.1.20' });
    expect(observation.rtsp?.headers.server).toBe('Dahua Rtsp Server');
    expect(observation.tls?.subject).toMatch(/O=HIKVISION/);
    expect(observation.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('accepts nested sections and gives the same id as the dotted form', () => {
    const nested = parseObservationLine(JSON.stringify({ source: 'http', ip: '10.0.0.1', http: { headers: { server: 'x' }, title: 't' } }), context);
    const dotted = parseObservationLine(JSON.stringify({ source: 'http', ip: '10.0.0.1', 'http.headers': { server: 'x' }, 'http.title': 't' }), context);
    expect(nested.ok && dotted.ok && nested.observation.id === dotted.observation.id).toBe(true);
  });

  it('keeps a given id and unwraps labelled corpus lines', () => {
    const result = parseObservationLine(JSON.stringify({ label: { vendor: 'Axis' }, source: 'recog', observation: { id: 'abc', source: 'rtsp', ip: '::1' } }), context);
    expect(result.ok && result.observation.id).toBe('abc');
  });

  it('keeps a source it does not know as given, and identifies the observation from its fields', () => {
    const result = parseObservationLine(JSON.stringify({ source: 'nmap', ip: '10.0.0.8', port: 80, 'http.headers': { server: 'DNVRS-Webs' } }), context);
    expect(result.ok && result.observation.source).toBe('nmap');
    const identification = result.ok ? identify([result.observation]) : undefined;
    expect(identification?.vendor).toBe('Hikvision');
    expect(identification?.evidence.every((item) => item.source === 'nmap')).toBe(true);
  });

  it('takes a MAC alone (a switch table row) and identifies it by its OUI', () => {
    const result = parseObservationLine(JSON.stringify({ source: 'arp', mac: '44-47-CC-37-CE-81' }), context);
    expect(result.ok && result.observation.ip).toBe('');
    expect(result.ok && identify([result.observation]).vendor).toBe('Hikvision');
  });

  it('reads mDNS TXT in the DNS form, a list of key=value strings (RFC 6763 §6.3, §6.4)', () => {
    const line = JSON.stringify({ source: 'mdns', ip: '10.0.0.9', mdns: { txt: ['model=DS-2CD2042WD-I', 'flag', 'model=second', '=nokey', 'path=/a=b'] } });
    const result = parseObservationLine(line, context);
    expect(result.ok && result.observation.mdns?.txt).toEqual({ model: 'DS-2CD2042WD-I', flag: '', path: '/a=b' });
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['an array', '[]', /object/],
    ['a source that is not a name', JSON.stringify({ source: '<b>x</b>', ip: '10.0.0.1' }), /source must name a tool or protocol/],
    ['no address and no MAC', JSON.stringify({ source: 'arp' }), /ip .* or mac is required/],
    ['mDNS TXT strings mixed with other values', JSON.stringify({ source: 'mdns', ip: '10.0.0.1', mdns: { txt: ['a=b', 3] } }), /mdns\.txt/],
    ['a bad ip', JSON.stringify({ source: 'http', ip: '10.0.0.300' }), /ip must be/],
    ['a bad mac', JSON.stringify({ source: 'http', ip: '10.0.0.1', mac: 'zz' }), /not a MAC/],
    ['a bad port', JSON.stringify({ source: 'http', ip: '10.0.0.1', port: 70000 }), /port/],
    ['headers that are not strings', JSON.stringify({ source: 'http', ip: '10.0.0.1', 'http.headers': { server: ['a'] } }), /http\.headers\.server must be a string/],
    ['scopes that are not strings', JSON.stringify({ source: 'wsdiscovery', ip: '10.0.0.1', 'wsdiscovery.scopes': [1] }), /wsdiscovery\.scopes/],
    ['a section that is not an object', JSON.stringify({ source: 'onvif', ip: '10.0.0.1', onvif: 'x' }), /onvif must be an object/],
    ['a bad time', JSON.stringify({ source: 'http', ip: '10.0.0.1', observedAt: 'yesterday' }), /observedAt/],
  ])('rejects %s with a reason', (_name, line, reason) => {
    const result = parseObservationLine(line, context);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((value) => JSON.stringify({ source: 'http', ip: '10.0.0.1', http: value }))), (line) => {
        const result = parseObservationLine(line, context);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
});

describe('favicon hashes in identify input', () => {
  it('reads http.favicon and lets the favicon rules name the maker', () => {
    const parsed = parseObservationLine(JSON.stringify({ source: 'http', ip: '10.0.0.8', port: 80, 'http.favicon': { md5: '89B932FCC47CF4CA3FAADB0CFDEF89CF', mmh3: 999357577, bytes: 1150 } }), { site: 's', agent: 'a' });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.observation.http?.favicon).toEqual({ md5: '89b932fcc47cf4ca3faadb0cfdef89cf', mmh3: 999357577, bytes: 1150 });
    expect(identify([parsed.observation]).vendor).toBe('Hikvision');
  });

  it('refuses a favicon whose hashes are not hashes', () => {
    const parsed = parseObservationLine(JSON.stringify({ source: 'http', ip: '10.0.0.8', 'http.favicon': { md5: 'zz', mmh3: 1 } }), { site: 's', agent: 'a' });
    expect(parsed.ok).toBe(false);
  });
});
