// `camaudit listen` end to end: two emulated cameras announce themselves unasked (WS-Discovery Hello and Bye, SADP
// Hello, mDNS, SSDP NOTIFY, DHCPDISCOVER), a third only answers probes. The listener must learn the first two, not
// the third, and send nothing but the kernel's group joins: an AF_PACKET capture in the listener's namespace
// (test/lab/capture-egress.py) records every frame that leaves it while it listens.
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Device, Observation } from '../../src/model.js';
import { useLab } from './harness/index.js';

const lab = useLab('LISTEN MODE', { cli: true, profiles: ['announce-hik', 'announce-dahua', 'hik-noonvif'], twoSegmentScanner: false });
const CAPTURE = resolve('test/lab/capture-egress.py');

interface Frame {
  interface: string;
  kind: string;
  protocol?: number;
  destination?: string;
  destinationPort?: number;
  igmpType?: number;
  icmpv6Type?: number;
}

describe.runIf(lab.enabled)('camaudit listen', () => {
  let database: string;
  let devices: Device[];
  let frames: Frame[];
  let listenStdErr = '';

  beforeAll(async () => {
    database = lab.workPath('inventory.sqlite');
    // The kernel's own IPv6 router solicitations after link-up are not the listener's doing, but would blur the count:
    // the scanner's interfaces run IPv4 only for this test.
    const sysctl = await lab.runInScanner(['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    if (sysctl.code !== 0) throw new Error(`sysctl failed: ${sysctl.stderr}`);
    const capture = lab.spawnInScanner(['python3', CAPTURE]);
    let captured = '';
    capture.stdout?.on('data', (chunk: Buffer) => (captured += chunk.toString()));
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error('the capture did not start')), 10_000);
      capture.stdout?.on('data', () => {
        if (captured.startsWith('ready\n')) {
          clearTimeout(timer);
          ready();
        }
      });
    });
    const result = await lab.runCamaudit(['listen', '--duration', '4s', '--db', database, '--json'], { timeoutMs: 60_000 });
    listenStdErr = result.stderr;
    const ended = new Promise<void>((done) => capture.on('exit', () => done()));
    capture.kill('SIGTERM');
    await ended;
    if (result.code !== 0) throw new Error(`listen exited ${result.code}: ${result.stderr}`);
    devices = JSON.parse(result.stdout) as Device[];
    frames = (JSON.parse(captured.slice('ready\n'.length)) as { frames: Frame[] }).frames;
  }, 120_000);

  it('learns the devices that announce themselves, identified like a scan would', () => {
    const hik = devices.find((device) => device.ip === '10.231.1.41');
    expect(hik?.identification.vendor).toBe('Hikvision');
    expect(hik?.identification.model).toBe('DS-2CD2143G2-I');
    expect(hik?.identification.serial).toBe('DS-2CD2143G2-I20230815AAWRJ00000041');
    expect(hik?.mac).toBe('44:47:cc:37:5e:41');
    expect(hik?.sources).toEqual(expect.arrayContaining(['wsdiscovery', 'sadp', 'mdns', 'dhcp']));
    const dahua = devices.find((device) => device.ip === '10.231.1.42');
    expect(dahua?.identification.vendor).toBe('Dahua');
    expect(dahua?.identification.covered).toBe(true);
    expect(dahua?.sources).toEqual(expect.arrayContaining(['ssdp', 'dhcp']));
  });

  it('does not learn a device that only answers probes: none was sent', () => {
    expect(devices.some((device) => device.ip === '10.231.1.14')).toBe(false);
  });

  it('keeps the DHCP vendor class and parameter list, and never fetched the SSDP LOCATION', () => {
    const store = new Database(database, { readonly: true });
    try {
      const rows = store.prepare('SELECT source, raw FROM observations').all() as { source: string; raw: string }[];
      const dhcp = rows.filter((row) => row.source === 'dhcp').map((row) => JSON.parse(row.raw) as Observation);
      const hik = dhcp.find((observation) => observation.mac === '44:47:cc:37:5e:41');
      expect(hik?.dhcp).toMatchObject({ messageType: 'DHCPDISCOVER', vendorClass: 'udhcp 1.19.4', parameterList: '1,3,6,12,15,28,42' });
      const ssdp = rows.filter((row) => row.source === 'ssdp').map((row) => JSON.parse(row.raw) as Observation);
      expect(ssdp[0]?.ssdp?.headers.location).toBe('http://10.231.1.42:49152/upnp_device_desc.xml');
      expect(ssdp[0]?.ssdp?.description).toBeUndefined();
      const scan = store.prepare('SELECT channels, scope FROM scans').get() as { channels: string; scope: string };
      expect(JSON.parse(scan.channels)).toEqual(['listen']);
    } finally {
      store.close();
    }
    expect(listenStdErr).toContain('nothing is sent');
  });

  it('sends nothing but IGMP group joins while it listens', () => {
    const lan = frames.filter((frame) => frame.interface !== 'lo');
    const joins = lan.filter((frame) => frame.kind === 'igmp');
    // Five groups' worth of membership reports show the capture saw the listener's namespace at work.
    expect(joins.length).toBeGreaterThan(0);
    expect(new Set(joins.map((frame) => frame.destination))).toEqual(new Set(['224.0.0.22']));
    const others = lan.filter((frame) => frame.kind !== 'igmp');
    expect(others, JSON.stringify(others)).toEqual([]);
  });
});
