// The lab's data and pure parts, without namespaces: every profile file is valid and sourced, bad profiles fail with
// the path of the problem, and responses are rendered byte for byte as the profiles say.

import { describe, expect, it } from 'vitest';
import { subjectToOpensslArgument } from './device/certificate.js';
import { findRoute, renderResponse } from './device/http-exchange.js';
import { hikvisionDate, renderTemplate, type ResponderContext } from './device/responder.js';
import { rtspResponse } from './device/responders/rtsp.js';
import { checkProfile, listProfileNames, loadAllProfiles, loadProfile } from './profile-loader.js';
import { parseProfile, type DeviceProfile } from './profile.js';
import { availableResponders } from './runner.js';
import { checkDeviceAddress } from './topology.js';

const context = (profile: DeviceProfile): ResponderContext => ({ profile, ip: profile.ip, mac: profile.mac, log: () => undefined });

describe('lab profiles', () => {
  const profiles = loadAllProfiles();

  it('has the thirteen default devices the brief asks for', () => {
    const defaults = profiles.filter((profile) => profile.default).map((profile) => profile.name);
    for (const name of ['hik-ipc', 'hik-nvr', 'lts-ipc', 'hilook-ipc', 'hik-noonvif', 'hik-altport', 'dahua-ipc', 'axis-cam', 'printer', 'router', 'routed-hik', 'routed-dahua', 'lan2-hik']) {
      expect(defaults).toContain(name);
    }
    expect(listProfileNames()).toEqual(profiles.map((profile) => profile.name));
  });

  it('gives every profile a valid address, a source for its facts and a responder per protocol', () => {
    const responders = availableResponders();
    for (const profile of profiles) {
      expect(() => checkDeviceAddress(profile), profile.name).not.toThrow();
      expect(profile.sources.length, profile.name).toBeGreaterThan(0);
      expect(profile.sources.some((source) => source.fact.startsWith('MAC ')), `${profile.name} cites its OUI`).toBe(true);
      for (const protocol of Object.keys(profile.protocols)) expect(responders, `${profile.name}.${protocol}`).toContain(protocol);
    }
    const unique = (key: 'ip' | 'mac' | 'name') => new Set(profiles.map((profile) => profile[key])).size;
    expect(unique('ip')).toBe(profiles.length);
    expect(unique('mac')).toBe(profiles.length);
  });

  it('renders every route of every profile without a template error', () => {
    for (const profile of profiles) {
      const http = profile.protocols.http;
      if (http) for (const route of http.routes) expect(() => renderResponse(http, route, 'GET', context(profile)), `${profile.name} ${route.path}`).not.toThrow();
      const rtsp = profile.protocols.rtsp;
      if (rtsp) expect(() => rtspResponse(rtsp, 'DESCRIBE', '2', context(profile)), profile.name).not.toThrow();
    }
  });
});

describe('profile validation', () => {
  const valid = (): Record<string, unknown> => JSON.parse(JSON.stringify(loadProfile('hik-ipc'))) as Record<string, unknown>;

  it('names the path of each problem', () => {
    const broken = valid();
    broken.ip = '10.231.1.300';
    (broken.protocols as { http: { routes: { status: unknown }[] } }).http.routes[1]!.status = 'ok';
    broken.heders = {};
    const result = parseProfile(broken);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain('ip: "10.231.1.300" does not match');
    expect(result.reason).toContain('protocols.http.routes[1].status: expected an integer 100..599, got "ok"');
    expect(result.reason).toContain('heders: unknown key');
  });

  it('refuses protocol names that could escape the responders directory', () => {
    const broken = valid();
    (broken.protocols as Record<string, unknown>)['../x'] = {};
    const result = parseProfile(broken);
    expect(result.ok ? '' : result.reason).toContain('protocols.../x');
  });

  it('checks the MAC against the IEEE registry and the organisation the profile claims', () => {
    const wrongVendor = { ...valid(), mac: '08:ed:ed:00:00:01' };
    expect(() => checkProfile(wrongVendor, 'test')).toThrow(/belongs to "Zhejiang Dahua Technology Co., Ltd.", not "Hangzhou Hikvision"/);
    const unassigned = { ...valid(), mac: '02:00:00:00:00:01' };
    expect(() => checkProfile(unassigned, 'test')).toThrow(/not in the IEEE registry/);
  });

  it('takes arp: false (a device the neighbour table never holds) and refuses anything but a boolean there', () => {
    const quiet = parseProfile({ ...valid(), arp: false });
    expect(quiet.ok && quiet.value.arp).toBe(false);
    const plain = parseProfile(valid());
    expect(plain.ok && plain.value.arp).toBeUndefined();
    const broken = parseProfile({ ...valid(), arp: 'off' });
    expect(broken.ok ? '' : broken.reason).toContain('arp');
  });

  it('rejects addresses off the segment or reserved by the lab', () => {
    const profile = loadProfile('hik-ipc');
    expect(() => checkDeviceAddress({ ...profile, ip: '10.231.20.5' })).toThrow(/not on segment lan/);
    expect(() => checkDeviceAddress({ ...profile, ip: '10.231.1.2' })).toThrow(/reserved/);
  });
});

describe('responses', () => {
  const hik = loadProfile('hik-ipc');
  const dahua = loadProfile('dahua-ipc');

  it('writes Dahua headers in the profile case and order, with the length filled in', () => {
    const http = dahua.protocols.http!;
    const bytes = renderResponse(http, findRoute(http, 'GET', '/'), 'GET', context(dahua)).toString('latin1');
    const head = bytes.slice(0, bytes.indexOf('\r\n\r\n'));
    const bodyLength = Buffer.byteLength(bytes.slice(head.length + 4), 'latin1');
    expect(head.split('\r\n')).toEqual([
      'HTTP/1.1 200 OK',
      'CONNECTION: close',
      `CONTENT-LENGTH: ${bodyLength}`,
      'CONTENT-TYPE: text/html',
      'P3P: CP=CAO PSA OUR',
      'Etag: "1587384:5e9d7c31"',
    ]);
  });

  it('answers HEAD without a body and unknown paths with the profile 404', () => {
    const http = hik.protocols.http!;
    const head = renderResponse(http, findRoute(http, 'HEAD', '/'), 'HEAD', context(hik)).toString('latin1');
    expect(head.endsWith('\r\n\r\n')).toBe(true);
    expect(findRoute(http, 'GET', '/nothing/here').status).toBe(404);
    expect(findRoute(http, 'GET', '/doc/page/login.asp?_123').status).toBe(200);
  });

  it('sends raw bytes and repeated bodies for hostile profiles', () => {
    const site = { routes: [] };
    const raw = renderResponse(site, { status: 200, rawBase64: Buffer.from('HTTP/1.1 200\r\nX: \u0000garbage').toString('base64') }, 'GET', context(hik));
    expect(raw.toString('latin1')).toBe('HTTP/1.1 200\r\nX: \u0000garbage');
    const big = renderResponse(site, { status: 200, body: 'abcd', bodyRepeat: 1000 }, 'GET', context(hik)).toString('latin1');
    expect(big).toContain('Content-Length: 4000\r\n');
    expect(big.endsWith('abcd'.repeat(1000))).toBe(true);
  });

  it('echoes CSeq first and keeps Hikvision RTSP dates double-spaced', () => {
    const text = rtspResponse(hik.protocols.rtsp!, 'OPTIONS', '42', context(hik));
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('RTSP/1.0 200 OK');
    expect(lines[1]).toBe('CSeq: 42');
    expect(lines.find((line) => line.startsWith('Date:'))).toMatch(/^Date: {2}\w{3}, \w{3} \d{2} \d{4}/);
    expect(rtspResponse(hik.protocols.rtsp!, 'FOO', '3', context(hik)).split('\r\n')[0]).toBe('RTSP/1.0 405 Method Not Allowed');
  });

  it('fills templates and refuses unknown ones', () => {
    const axis = loadProfile('axis-cam');
    expect(renderTemplate('AXIS_{{macHex}} {{identity.model}} {{macDash}}', context(axis))).toBe('AXIS_ACCC8EA27231 M3086-V ac-cc-8e-a2-72-31');
    expect(renderTemplate('{{nonce}}', context(axis))).toMatch(/^[0-9a-f]{32}$/);
    expect(() => renderTemplate('{{identity.nope}}', context(axis))).toThrow(/unknown template variable \{\{identity.nope\}\} in profile axis-cam/);
    expect(hikvisionDate(new Date('2020-05-14T16:45:35Z'))).toBe('Thu, May 14 2020 16:45:35 GMT');
  });

  it('turns an RFC 4514 subject into the openssl -subj order', () => {
    expect(subjectToOpensslArgument('CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN')).toBe(
      '/C=CN/ST=ZheJiang/L=HangZhou/O=HIKVISION/OU=DVRNVR/CN=www.hikvision.com',
    );
  });
});
