import { readFileSync } from 'node:fs';
import { encode } from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { collectMdnsServices, enumeratedServiceTypes, parseMdnsMessage, txtToMap, type MdnsRecord } from '../../src/discovery/mdns/parse.js';
import { buildBrowseQuery, buildMdnsQuery, MDNS_BROWSE_TYPES } from '../../src/discovery/mdns/probe.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/mdns/${name}`, import.meta.url));

function records(name: string): MdnsRecord[] {
  const result = parseMdnsMessage(fixture(name));
  if (!result.ok) throw new Error(result.reason);
  expect(result.value.response).toBe(true);
  return result.value.records;
}

describe('parseMdnsMessage + collectMdnsServices on recorded names', () => {
  it('reads the Hikvision _CGI._tcp instance: name, serial host, port, TXT and both addresses', () => {
    expect(collectMdnsServices(records('hikvision-ds-2cd2722fwd-izs-cgi.bin'))).toEqual([
      {
        name: 'HIKVISION DS-2CD2722FWD-IZS - 733050075',
        service: '_CGI._tcp.local',
        fullName: 'HIKVISION DS-2CD2722FWD-IZS - 733050075._CGI._tcp.local',
        host: 'DS-2CD2722FWD-IZS20170321BBWR733050075.local',
        port: 80,
        txt: { path: '/' },
        addresses: ['10.0.1.164', 'fe80::1a68:cbff:fe15:b284'],
      },
    ]);
  });

  it('reads the same records through compression pointers, with the question echoed', () => {
    const result = parseMdnsMessage(fixture('hikvision-ds-2cd2722fwd-izs-compressed.bin'));
    if (!result.ok) throw new Error(result.reason);
    expect(result.value.questions).toEqual(['_CGI._tcp.local']);
    expect(collectMdnsServices(result.value.records)).toEqual([
      {
        name: 'HIKVISION DS-2CD2722FWD-IZS - 733050075',
        service: '_CGI._tcp.local',
        fullName: 'HIKVISION DS-2CD2722FWD-IZS - 733050075._CGI._tcp.local',
        host: 'DS-2CD2722FWD-IZS20170321BBWR733050075.local',
        port: 80,
        addresses: ['10.0.1.164'],
      },
    ]);
  });

  it('reads the Axis _axis-video._tcp instance with its MAC TXT key', () => {
    const [service] = collectMdnsServices(records('axis-m2026-le-mk-ii-axis-video.bin'));
    expect(service).toEqual({
      name: 'AXIS M2026-LE Mk II - B8A44F0A98A1',
      service: '_axis-video._tcp.local',
      fullName: 'AXIS M2026-LE Mk II - B8A44F0A98A1._axis-video._tcp.local',
      host: 'axis-b8a44f0a98a1.local',
      port: 80,
      txt: { macaddress: 'B8A44F0A98A1' },
      addresses: ['169.254.93.22'],
    });
  });

  it('reads a printer’s IPP TXT keys, an empty value included', () => {
    const [service] = collectMdnsServices(records('ipp-printer-bonjour-printing-keys.bin'));
    expect(service?.port).toBe(631);
    expect(service?.txt).toMatchObject({ rp: 'ipp/print', ty: 'HP LaserJet Pro M404dn', note: '', adminurl: 'http://NPI3C2A1F.local./' });
  });

  it('lists the types a host enumerates, and makes no instance of them', () => {
    const heard = records('hikvision-services-enumeration.bin');
    expect(enumeratedServiceTypes(heard)).toEqual(['_CGI._tcp.local', '_http._tcp.local']);
    expect(collectMdnsServices(heard)).toEqual([]);
  });

  it('joins records that arrived in separate packets, matching names without case', () => {
    const ptrOnly = parseMdnsMessage(encode({ type: 'response', answers: [{ type: 'PTR', name: '_http._tcp.local', data: 'Cam._http._tcp.local' }] }));
    const rest = parseMdnsMessage(
      encode({
        type: 'response',
        answers: [
          { type: 'SRV', name: 'CAM._HTTP._TCP.LOCAL', data: { port: 8080, target: 'cam-host.local' } },
          { type: 'A', name: 'CAM-HOST.local', data: '10.0.0.9' },
          { type: 'A', name: 'cam-host.local', data: '10.0.0.9' },
        ],
      }),
    );
    if (!ptrOnly.ok || !rest.ok) throw new Error('fixture did not parse');
    const [service] = collectMdnsServices([...ptrOnly.value.records, ...rest.value.records]);
    expect(service).toEqual({ name: 'Cam', service: '_http._tcp.local', fullName: 'Cam._http._tcp.local', host: 'cam-host.local', port: 8080, addresses: ['10.0.0.9'] });
  });

  it('maps a subtype browse answer to its parent type', () => {
    const result = parseMdnsMessage(encode({ type: 'response', answers: [{ type: 'PTR', name: '_universal._sub._ipp._tcp.local', data: 'P._ipp._tcp.local' }] }));
    expect(result.ok && collectMdnsServices(result.value.records)).toEqual([{ name: 'P', service: '_ipp._tcp.local', fullName: 'P._ipp._tcp.local', addresses: [] }]);
  });

  it('ignores a PTR whose target is not under the browsed type', () => {
    const result = parseMdnsMessage(encode({ type: 'response', answers: [{ type: 'PTR', name: '_http._tcp.local', data: 'elsewhere.example' }] }));
    expect(result.ok && collectMdnsServices(result.value.records)).toEqual([]);
  });
});

describe('txtToMap', () => {
  it('splits at the first "=", keeps a bare key, lets the first of a repeated key win', () => {
    expect(txtToMap(['a=b=c', 'flag', 'a=ignored', '', '=novalue', 'k='])).toEqual({ a: 'b=c', flag: '', k: '' });
  });
  it('keeps __proto__ as data', () => {
    const map = txtToMap(['__proto__=x', 'constructor=y']);
    expect(Object.getPrototypeOf(map)).toBe(Object.prototype);
    expect(Object.keys(map)).toEqual(['__proto__', 'constructor']);
    expect(map.constructor).toBe('y');
  });
  it('decodes foreign bytes as U+FFFD, not an error', () => {
    const packet = encode({ type: 'response', answers: [{ type: 'TXT', name: 'x._http._tcp.local', data: [Buffer.from([0x6b, 0x3d, 0xff, 0xfe])] }] });
    const result = parseMdnsMessage(packet);
    const txt = result.ok ? result.value.records.find((record) => record.type === 'TXT') : undefined;
    expect(txt?.type === 'TXT' && txtToMap(txt.strings)).toEqual({ k: '\ufffd\ufffd' });
  });
});

describe('parseMdnsMessage refuses what is not a DNS message', () => {
  it.each([
    ['empty', Buffer.alloc(0), /shorter than a DNS header/],
    ['a short header', Buffer.from([0, 0, 0x84, 0]), /shorter than a DNS header/],
    ['text', Buffer.from('HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\n\r\n'), /not a DNS message/],
    // Header claims one answer; a name pointer points forward to itself.
    ['a forward compression pointer', Buffer.from([0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4]), /not a DNS message/],
  ])('%s', (_name, data, reason) => {
    const result = parseMdnsMessage(data);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('refuses a datagram over the bound', () => {
    expect(parseMdnsMessage(Buffer.alloc(100), 50)).toEqual({ ok: false, reason: 'datagram of 100 bytes exceeds the 50-byte bound' });
  });

  it('every truncation of a recorded packet is refused or read, never thrown on', () => {
    const whole = fixture('hikvision-ds-2cd2722fwd-izs-cgi.bin');
    for (let length = 0; length < whole.length; length++) {
      const result = parseMdnsMessage(whole.subarray(0, length));
      if (result.ok) collectMdnsServices(result.value.records);
      else expect(result.reason).toMatch(/shorter|not a DNS message/);
    }
  });
});

describe('mDNS queries', () => {
  it('asks every browse type as a PTR question with the QU bit, id 0, no flags', () => {
    const query = buildBrowseQuery(MDNS_BROWSE_TYPES, { unicastResponse: true });
    expect(query.equals(fixture('camaudit-browse-query-qu.bin'))).toBe(true);
    expect(query.readUInt16BE(0)).toBe(0);
    expect(query.readUInt16BE(2)).toBe(0);
    expect(query.readUInt16BE(4)).toBe(MDNS_BROWSE_TYPES.length);
    const decoded = parseMdnsMessage(query);
    expect(decoded.ok && decoded.value.questions).toEqual([...MDNS_BROWSE_TYPES]);
    // The class of the last question sits in the last two bytes: IN with the top (QU) bit.
    expect(query.readUInt16BE(query.length - 2)).toBe(0x8001);
  });
  it('leaves the QU bit off when not asked for, and builds SRV/TXT/A follow-ups', () => {
    const query = buildMdnsQuery([{ name: 'HIKVISION DS-2CD2722FWD-IZS - 733050075._CGI._tcp.local', type: 'SRV' }, { name: 'host.local', type: 'A' }]);
    expect(query.readUInt16BE(query.length - 2)).toBe(1);
    expect(query.readUInt16BE(query.length - 4)).toBe(1); // type A
  });
  it('refuses names that are not DNS names', () => {
    expect(() => buildMdnsQuery([])).toThrow(RangeError);
    expect(() => buildMdnsQuery([{ name: `${'a'.repeat(64)}.local`, type: 'PTR' }])).toThrow(RangeError);
    expect(() => buildMdnsQuery([{ name: 'a..local', type: 'PTR' }])).toThrow(RangeError);
  });
});
