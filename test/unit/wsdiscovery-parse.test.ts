import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { macFromUuid, parseOnvifScopes, parseWsDiscoveryReply } from '../../src/discovery/wsdiscovery/parse.js';
import { buildWsDiscoveryProbe, createWsDiscoveryMessageId } from '../../src/discovery/wsdiscovery/probe.js';
import { followableXAddrs } from '../../src/discovery/wsdiscovery/index.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/wsdiscovery/${name}`, import.meta.url));

function onlyMatch(name: string) {
  const result = parseWsDiscoveryReply(fixture(name));
  if (!result.ok) throw new Error(result.reason);
  expect(result.value.matches).toHaveLength(1);
  return { reply: result.value, match: result.value.matches[0]! };
}

describe('parseWsDiscoveryReply on recorded replies', () => {
  it('reads a Hikvision envelope (env:/wsadis:/d: prefixes), its scopes and the MAC inside the v1 endpoint UUID', () => {
    const { reply, match } = onlyMatch('hikvision-ds-2cd3955fwd-iws.xml');
    expect(reply).toMatchObject({ kind: 'ProbeMatches', relatesTo: 'uuid:bfe8bb88-03a2-4e1a-904a-59a7d2882649' });
    expect(match).toMatchObject({
      endpoint: 'urn:uuid:18ec6401-3aa0-11b5-83f6-b4a3820fd92d',
      types: ['dn:NetworkVideoTransmitter', 'tds:Device'],
      xaddrs: ['http://192.168.0.218/onvif/device_service', 'http://[fe80::b6a3:82ff:fe0f:d92d]/onvif/device_service'],
      metadataVersion: 10,
      name: 'HIKVISION DS-2CD3955FWD-IWS',
      hardware: 'DS-2CD3955FWD-IWS',
      mac: 'b4:a3:82:0f:d9:2d',
    });
    expect(match.scopes).toHaveLength(8);
    expect(match.scopes).toContain('onvif://www.onvif.org/name/HIKVISION%20DS-2CD3955FWD-IWS');
    expect(match.scopeValues.location).toEqual(['city/hangzhou']);
    expect(match.scopeValues.type).toEqual(['video_encoder', 'audio_encoder', 'ptz']);
  });

  it('prefers the MAC scope when one is given', () => {
    const { match } = onlyMatch('hikvision-ds-2cd2385g1-i.xml');
    expect(match.mac).toBe('58:50:ed:1f:e3:85');
    expect(match.scopeValues.MAC).toEqual(['58:50:ed:1f:e3:85']);
  });

  it('reads a Dahua-OEM (Amcrest) reply with s:/a:/d: prefixes and a random v4 endpoint (no MAC)', () => {
    const { match } = onlyMatch('amcrest-ip2m-841b.xml');
    expect(match).toMatchObject({ endpoint: 'uuid:278b1b37-153c-452d-b316-d2ed4e99e6a2', name: 'Amcrest', hardware: 'IP2M-841B', metadataVersion: 1 });
    expect(match.mac).toBeUndefined();
    expect(match.scopeValues.extension).toEqual(['unique_identifier']);
    expect(match.xaddrs).toEqual(['http://10.0.0.154:8088/onvif/device_service']);
  });

  it('reads a Dahua scope set', () => {
    const { match } = onlyMatch('dahua-dh-ipc-hdw1230t2.xml');
    expect(match).toMatchObject({ name: 'Dahua', hardware: 'DH-IPC-HDW1230T2' });
    expect(match.scopeValues.location).toEqual(['country/china']);
  });

  it('reads an Axis reply with SOAP-ENV:/wsa: prefixes and an empty location scope', () => {
    const { match } = onlyMatch('axis-m1034-w.xml');
    expect(match).toMatchObject({ name: 'AXIS M1034-W', hardware: 'M1034-W', types: ['dn:NetworkVideoTransmitter'] });
    expect(match.scopeValues.location).toEqual(['']);
  });
});

describe('parseWsDiscoveryReply on hostile and broken input', () => {
  const real = fixture('hikvision-ds-2cd3955fwd-iws.xml');
  it.each([
    ['an external entity', fixture('hostile-xxe.xml'), 'DOCTYPE'],
    ['a SOAP fault', fixture('fault-matching-rule-not-supported.xml'), 'MatchingRuleNotSupported'],
    ['a Probe from another client', buildWsDiscoveryProbe('tds:Device', createWsDiscoveryMessageId()), 'Probe'],
    ['truncated', real.subarray(0, real.length - 40), 'malformed XML'],
    ['not SOAP', Buffer.from('<html><body>hi</body></html>'), 'no SOAP Envelope'],
    ['an empty ProbeMatch', Buffer.from('<s:Envelope xmlns:s="x"><s:Body><ProbeMatches><ProbeMatch/></ProbeMatches></s:Body></s:Envelope>'), 'without an endpoint'],
    ['an empty Body', Buffer.from('<Envelope><Body/></Envelope>'), 'neither ProbeMatches, Hello nor Bye'],
    ['too deep', Buffer.from(`<Envelope><Body>${'<a>'.repeat(60)}${'</a>'.repeat(60)}</Body></Envelope>`), 'refused'],
  ])('refuses %s with a reason', (_label, input, reason) => {
    const result = parseWsDiscoveryReply(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('keeps a malformed percent escape as written', () => {
    expect(parseOnvifScopes(['onvif://www.onvif.org/name/bad%zz', 'http://example/other'])).toEqual({ name: ['bad%zz'] });
  });
});

describe('endpoint UUIDs and XAddrs', () => {
  it('takes a MAC only from a version-1 UUID whose node is not multicast', () => {
    expect(macFromUuid('urn:uuid:aa85c000-6324-11b3-819e-5850ed1fe385')).toBe('58:50:ed:1f:e3:85');
    expect(macFromUuid('uuid:278b1b37-153c-452d-b316-d2ed4e99e6a2')).toBeUndefined();
    expect(macFromUuid('urn:uuid:aa85c000-6324-11b3-819e-5950ed1fe385')).toBeUndefined();
    expect(macFromUuid(undefined)).toBeUndefined();
  });

  it('follows only http XAddrs on the responding host', () => {
    const urls = followableXAddrs(
      ['http://10.0.0.5/onvif/device_service', 'http://[fe80::1]/onvif/device_service', 'http://10.0.0.9/onvif/device_service', 'https://10.0.0.5/x', 'http://u:p@10.0.0.5/', 'not a url'],
      '10.0.0.5',
    );
    expect(urls.map((url) => url.href)).toEqual(['http://10.0.0.5/onvif/device_service']);
  });

  it('builds one typed Probe per type, parseable by a strict parser', () => {
    const id = createWsDiscoveryMessageId();
    const probe = buildWsDiscoveryProbe('dn:NetworkVideoTransmitter', id).toString();
    expect(probe).toContain(`<a:MessageID>${id}</a:MessageID>`);
    expect(probe).toContain('<d:Types>dn:NetworkVideoTransmitter</d:Types>');
    expect(probe).toContain('xmlns:dn="http://www.onvif.org/ver10/network/wsdl"');
    expect(() => buildWsDiscoveryProbe('tds:Device', 'urn:uuid:x</a:MessageID>')).toThrow(TypeError);
  });
});
