// The one scope rule: every packet goes only to addresses inside the scan's ranges, or, with none, inside the
// attached subnet of the interface a reply came in on. Announced URLs are checked before anything follows them.
import { describe, expect, it } from 'vitest';
import type { NetworkInterfaceInfo } from 'node:os';
import { resolveScanConfig } from '../../src/config.js';
import { checkInScope, checkUrlInScope, createScanScope, interfacesInsideRanges } from '../../src/net/scope.js';
import { validateScanRequest } from '../../src/scan.js';

const interfaces = [
  { name: 'eth0', address: '192.168.1.20', prefixLength: 24 },
  { name: 'eth1', address: '10.20.0.5', prefixLength: 22 },
];

describe('checkInScope', () => {
  it('with ranges: inside any range, whatever interface the reply came in on', () => {
    const scope = createScanScope(['192.168.1.0/25', '10.20.1.7'], interfaces);
    expect(checkInScope(scope, '192.168.1.100', 'eth1')).toEqual({ inScope: true });
    expect(checkInScope(scope, '10.20.1.7')).toEqual({ inScope: true });
    for (const outside of ['192.168.1.200', '10.20.1.8', '8.8.8.8', '127.0.0.1', '169.254.1.1']) {
      const decision = checkInScope(scope, outside, 'eth0');
      expect(decision.inScope, outside).toBe(false);
      if (!decision.inScope) expect(decision.reason).toBe(`${outside} is outside the scan's ranges (192.168.1.0/25, 10.20.1.7)`);
    }
  });

  it('without ranges: only the attached subnet of the arrival interface; a follow-up, any attached subnet', () => {
    const scope = createScanScope([], interfaces);
    expect(checkInScope(scope, '192.168.1.254', 'eth0')).toEqual({ inScope: true });
    expect(checkInScope(scope, '10.20.3.1', 'eth0')).toMatchObject({ inScope: false, reason: '10.20.3.1 is outside the attached subnet of eth0' });
    expect(checkInScope(scope, '10.20.3.1')).toEqual({ inScope: true });
    expect(checkInScope(scope, '10.20.4.1')).toMatchObject({ inScope: false });
    expect(checkInScope(scope, '192.168.1.9', 'wlan9')).toMatchObject({ inScope: false });
  });

  it('refuses what is not an IPv4 address', () => {
    const scope = createScanScope(['0.0.0.0/0'], interfaces);
    for (const text of ['evil.example', '::1', '', '1.2.3', '01.2.3.4']) expect(checkInScope(scope, text).inScope, text).toBe(false);
  });
});

describe('checkUrlInScope', () => {
  const scope = createScanScope(['192.168.1.0/24'], interfaces);
  it('follows an announced http(s) URL only to a host inside the scope', () => {
    expect(checkUrlInScope(scope, 'http://192.168.1.64:8000/onvif/device_service')).toMatchObject({ ok: true });
    expect(checkUrlInScope(scope, 'https://192.168.1.64/desc.xml')).toMatchObject({ ok: true });
    const cases: [string, RegExp][] = [
      ['http://192.168.2.1:8080/desc.xml', /host 192\.168\.2\.1 is outside the scan's ranges/],
      ['http://metadata.internal/latest', /is not an IPv4 address/],
      ['http://[::1]:7370/scans', /is not an IPv4 address/],
      ['file:///etc/passwd', /scheme file: is not followed/],
      ['gopher://192.168.1.5/', /scheme gopher: is not followed/],
      ['not a url', /does not parse/],
      ['http://2130706433/', /outside/],
    ];
    for (const [url, reason] of cases) {
      const decision = checkUrlInScope(scope, url);
      expect(decision.ok, url).toBe(false);
      if (!decision.ok) expect(decision.reason, url).toMatch(reason);
    }
  });
});

describe('interfacesInsideRanges (serve: multicast only where allowed)', () => {
  it('keeps an interface only when its whole subnet lies inside an allowed range', () => {
    expect(interfacesInsideRanges(interfaces, ['192.168.0.0/16']).map((entry) => entry.name)).toEqual(['eth0']);
    expect(interfacesInsideRanges(interfaces, ['192.168.1.0/25'])).toEqual([]);
    expect(interfacesInsideRanges(interfaces, ['192.168.1.0/24', '10.20.0.0/22']).map((entry) => entry.name)).toEqual(['eth0', 'eth1']);
    expect(interfacesInsideRanges(interfaces, [])).toEqual([]);
  });
});

describe('validateScanRequest with multicastInsideRangesOnly (what serve asks)', () => {
  const info = (address: string, cidr: string): NetworkInterfaceInfo => ({ address, netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr });
  const sources = { list: () => ({ eth0: [info('192.168.1.20', '192.168.1.20/24')], eth1: [info('10.20.0.5', '10.20.0.5/24')] }), isUp: () => true };
  const config = resolveScanConfig({});

  it('multicasts only on interfaces whose subnet lies inside the allowed ranges', () => {
    const request = { cidrs: ['10.20.0.0/16'], multicast: true, channels: ['sadp' as const] };
    expect(validateScanRequest(request, config, sources).interfaces.map((entry) => entry.name)).toEqual(['eth0', 'eth1']);
    expect(validateScanRequest({ ...request, multicastInsideRangesOnly: true }, config, sources).interfaces.map((entry) => entry.name)).toEqual(['eth1']);
    expect(validateScanRequest({ ...request, cidrs: ['10.20.0.0/25'], multicastInsideRangesOnly: true }, config, sources).interfaces).toEqual([]);
  });
});
