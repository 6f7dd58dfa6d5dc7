// `camaudit identify` as a user runs it: the built CLI, observations as JSON Lines on stdin, one identification
// per line on stdout, bad lines reported on stderr by number while the others are still processed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = resolve('dist/src/cli/main.js');

function identify(lines: string[]): { code: number | null; out: Record<string, unknown>[]; err: string } {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  const result = spawnSync(process.execPath, [CLI, 'identify', '-'], { input: `${lines.join('\n')}\n`, encoding: 'utf8', timeout: 30_000 });
  const out = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code: result.status, out, err: result.stderr };
}

// Real strings: Hikvision SADP reply fields (Skylight Cyber and public Go captures, see fingerprints/sadp.json) and Server
// header (nmap nmap-service-probes, recog http_servers.xml), Dahua DHIP reply and RTSP
// server (DHIP captures and nmap nmap-service-probes, see fingerprints/dhip.json and rtsp-server.json), an Axis camera (Axis OUI ac:cc:8e, realm AXIS_<MAC>), an HP printer banner.
const HIKVISION_SADP = JSON.stringify({ source: 'sadp', ip: '192.168.1.112', sadp: { DeviceType: '142378', DeviceDescription: 'DS-2CD2320D-I', DeviceSN: 'DS-2CD2320D-I20180919AACHC52932642', MAC: '44-47-cc-37-ce-81', SoftwareVersion: 'V5.5.6build 180326' } });
const HIKVISION_HTTP = JSON.stringify({ source: 'http', ip: '10.0.0.5', port: 80, 'http.headers': { server: 'DNVRS-Webs' } });
const DAHUA_RTSP = JSON.stringify({ source: 'rtsp', ip: '10.0.0.6', port: 554, mac: '4c:11:bf:c2:0b:9d', 'rtsp.headers': { server: 'Dahua Rtsp Server' } });
const AXIS = JSON.stringify({ source: 'http', ip: '10.0.0.7', port: 80, mac: 'ac:cc:8e:a2:72:31', http: { headers: { 'www-authenticate': 'Digest realm="AXIS_ACCC8EA27231", nonce="x"' } } });

describe('camaudit identify', () => {
  it('names Hikvision, Dahua and a non-covered maker, one line each, in input order', () => {
    const { code, out, err } = identify([HIKVISION_SADP, HIKVISION_HTTP, DAHUA_RTSP, AXIS]);
    expect(code, err).toBe(0);
    expect(out.map((line) => [line.ip, line.vendor, line.covered])).toEqual([
      ['192.168.1.112', 'Hikvision', true],
      ['10.0.0.5', 'Hikvision', true],
      ['10.0.0.6', 'Dahua', true],
      ['10.0.0.7', 'Axis', false],
    ]);
    expect(out[0]?.model).toBe('DS-2CD2320D-I');
    expect((out[0]?.evidence as unknown[]).length).toBeGreaterThan(0);
  });

  it('reports a bad line by number on stderr, goes on with the rest, and exits 1', () => {
    const { code, out, err } = identify([HIKVISION_HTTP, '{not json', JSON.stringify({ source: 'http' }), DAHUA_RTSP]);
    expect(code).toBe(1);
    expect(err).toMatch(/line 2\b/);
    expect(err).toMatch(/line 3\b/);
    expect(out.map((line) => line.line)).toEqual([1, 4]);
    expect(out.map((line) => line.vendor)).toEqual(['Hikvision', 'Dahua']);
  });

  it('identifies what other tools write: any source kept as given, a MAC alone, mDNS TXT as key=value strings', () => {
    const { code, out, err } = identify([
      JSON.stringify({ source: 'arp', ip: '10.0.0.20', mac: '44-47-CC-37-CE-81' }),
      JSON.stringify({ source: 'lldp', mac: '4c:11:bf:c2:0b:9d' }),
      JSON.stringify({ source: 'nmap', ip: '10.0.0.21', port: 80, 'http.headers': { server: 'DNVRS-Webs' } }),
      JSON.stringify({ source: 'mdns', ip: '10.0.0.22', mdns: { service: '_http._tcp.local', txt: ['path=/', 'flag', 'macaddress=4447CC37CE81'] } }),
    ]);
    expect(code, err).toBe(0);
    expect(out.map((line) => [line.ip, line.vendor, line.covered, (line.evidence as { source: string }[])[0]?.source])).toEqual([
      ['10.0.0.20', 'Hikvision', true, 'arp'],
      ['', 'Dahua', true, 'lldp'],
      ['10.0.0.21', 'Hikvision', true, 'nmap'],
      ['10.0.0.22', 'Hikvision', true, 'mdns'],
    ]);
  });

  it('says unknown rather than guess on a lone generic banner', () => {
    const { out } = identify([JSON.stringify({ source: 'http', ip: '10.0.0.9', port: 80, 'http.headers': { server: 'webserver' } })]);
    expect(out[0]?.vendor).toBeNull();
    expect(out[0]?.covered).toBe(false);
  });
});
