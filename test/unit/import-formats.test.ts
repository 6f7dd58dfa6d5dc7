// The importers on real-format samples (test/fixtures/import, each with its public source in README.md there):
// every row a device would be found by, with the fields the format carries, and format detection.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createImporter, detectFormat, importText, type ImportFormat, type ImportItem } from '../../src/import/index.js';
import { identify } from '../../src/match/index.js';
import type { Observation } from '../../src/model.js';
import { observationId } from '../../src/observation.js';

const fixtures = join('test', 'fixtures', 'import');
const read = (name: string): string => readFileSync(join(fixtures, name), 'utf8');
const context = { site: 'hq', agent: 'test', now: () => new Date('2026-12-01T00:00:00Z') };

function observations(format: ImportFormat, text: string, extra: { switchName?: string } = {}): Observation[] {
  const items = importText(createImporter(format, { ...context, ...extra }), text);
  const bad = items.filter((item): item is Extract<ImportItem, { ok: false }> => !item.ok);
  expect(bad).toEqual([]);
  return items.flatMap((item) => (item.ok ? [item.observation] : []));
}

const SWITCH_TABLES: [string, string, { switch?: string; vlan?: string; port?: string }[]][] = [
  ['cisco-ios-show-mac-address-table.txt', 'SW-FLOOR2', [{ vlan: '1', port: 'Gi1/0/3' }, { vlan: '10', port: 'Gi1/0/7' }, { vlan: '20', port: 'Gi1/0/12' }]],
  ['cisco-nxos-show-mac-address-table.txt', 'N9K-CORE1', [{ vlan: '10', port: 'Eth1/1' }, { vlan: '30', port: 'Eth1/2' }, { port: 'sup-eth1(R)' }]],
  ['hpe-procurve-show-mac-address.txt', 'ProCurve Switch 2824', [{ vlan: '1', port: '3' }, { vlan: '10', port: '7' }]],
  ['hpe-comware-display-mac-address.txt', 'HPE-5130', [{ vlan: '1', port: 'GE1/0/3' }, { vlan: '10', port: 'GE1/0/7' }]],
  ['huawei-vrp-display-mac-address.txt', 'Huawei', [{ vlan: '10', port: 'GE0/0/1' }, { vlan: '20', port: 'GE0/0/2' }]],
  ['juniper-els-show-ethernet-switching-table.txt', 'ex4300', [{ vlan: 'cameras', port: 'ge-0/0/3.0' }, { vlan: 'cameras', port: 'ge-0/0/7.0' }]],
  ['juniper-legacy-show-ethernet-switching-table.txt', 'ex2200', [{ vlan: 'cameras', port: 'ge-0/0/3.0' }, { vlan: 'cameras', port: 'ge-0/0/7.0' }]],
];

describe('switch MAC address tables', () => {
  it.each(SWITCH_TABLES)('%s: each learnt unicast MAC with its VLAN, port and the switch from the prompt', (file, switchName, rows) => {
    const text = read(file);
    expect(detectFormat(text)).toBe('switch-mac-table');
    const found = observations('switch-mac-table', text);
    expect(found.map((observation) => observation.switchPort)).toEqual(rows.map((row) => ({ switch: switchName, ...row })));
    for (const observation of found) {
      expect(observation.source).toBe('switch');
      expect(observation.ip).toBe('');
    }
    // The first learnt MAC of every sample is a Hikvision OUI (44:47:cc): identified from the MAC alone.
    const first = identify([found[0]!]);
    expect([first.vendor, first.covered]).toEqual(['Hikvision', true]);
  });

  it('names the switch from --switch when the table has no prompt line', () => {
    const text = read('cisco-ios-show-mac-address-table.txt').split('\n').slice(1).join('\n');
    expect(observations('switch-mac-table', text, { switchName: 'closet-3' })[0]?.switchPort?.switch).toBe('closet-3');
  });
});

describe('DHCP leases', () => {
  it('ISC dhcpd.leases: address, MAC, client-hostname and the time the client was last heard from', () => {
    const text = read('isc-dhcpd.leases');
    expect(detectFormat(text)).toBe('isc-dhcpd-leases');
    const found = observations('isc-dhcpd-leases', text);
    expect(found.map((observation) => [observation.ip, observation.mac, observation.host?.hostname, observation.observedAt])).toEqual([
      ['192.168.10.21', '44:47:cc:37:ce:81', 'lobby-cam', '2026-11-24T08:12:41.000Z'],
      ['192.168.10.22', '4c:11:bf:c2:0b:9d', undefined, '2026-11-24T08:13:02.000Z'],
      ['192.168.10.21', '44:47:cc:37:ce:81', 'lobby-cam', '2026-11-24T14:12:41.000Z'],
    ]);
    // The file is a log: the renewal of a lease is the same sighting.
    expect(found[0]!.id).toBe(found[2]!.id);
    expect(found.every((observation) => observation.source === 'dhcp')).toBe(true);
  });

  it('dnsmasq.leases: IPv4 leases with their MAC, IPv6 leases without one, the duid line skipped', () => {
    const text = read('dnsmasq.leases');
    expect(detectFormat(text)).toBe('dnsmasq-leases');
    const found = observations('dnsmasq-leases', text);
    expect(found.map((observation) => [observation.ip, observation.mac, observation.host?.hostname])).toEqual([
      ['192.168.10.21', '44:47:cc:37:ce:81', 'lobby-cam'],
      ['192.168.10.22', '4c:11:bf:c2:0b:9d', undefined],
      ['fd00::22', undefined, 'nvr-1'],
    ]);
  });

  it.each(['windows-dhcp-powershell.csv', 'windows-dhcp-console-export.csv'])('Windows DHCP server export %s', (file) => {
    const text = read(file);
    expect(detectFormat(text)).toBe('windows-dhcp-csv');
    const found = observations('windows-dhcp-csv', text);
    expect(found.map((observation) => [observation.ip, observation.mac, observation.host?.hostname])).toEqual([
      ['192.168.10.21', '44:47:cc:37:ce:81', 'lobby-cam.corp.example'],
      ['192.168.10.22', '4c:11:bf:c2:0b:9d', undefined],
    ]);
    expect(found.map((observation) => identify([observation]).vendor)).toEqual(['Hikvision', 'Dahua']);
  });
});

describe('plain CSV', () => {
  it('reads ip, mac and hostname by their header names, with RFC 4180 quoting', () => {
    const text = read('plain.csv');
    expect(detectFormat(text)).toBe('csv');
    const found = observations('csv', text);
    expect(found.map((observation) => [observation.ip, observation.mac, observation.host?.hostname])).toEqual([
      ['192.168.10.21', '44:47:cc:37:ce:81', 'lobby-cam'],
      ['192.168.10.22', undefined, 'gate, north'],
      ['', '4c:11:bf:c2:0b:9d', undefined],
    ]);
  });

  it('reports a bad row by its line and goes on', () => {
    const items = importText(createImporter('csv', context), 'Host Name;IP Address;MAC Address\ncam;10.0.0.300;\ncam2;10.0.0.2;zz\ncam3;10.0.0.3;"44-47-cc-37-ce-81"\n');
    expect(items.map((item) => (item.ok ? ['ok', item.line, item.observation.mac] : ['bad', item.line, item.reason]))).toEqual([
      ['bad', 2, '"10.0.0.300" is not an IP address'],
      ['bad', 3, '"zz" is not a MAC address'],
      ['ok', 4, '44:47:cc:37:ce:81'],
    ]);
  });

  it('keeps a quoted field across lines together', () => {
    const found = observations('csv', 'ip,hostname\n10.0.0.5,"two\nlines"\n10.0.0.6,x\n');
    expect(found.map((observation) => observation.host?.hostname)).toEqual(['two\nlines', 'x']);
  });
});

describe('observation JSON Lines', () => {
  it('imports what camaudit identify reads, and reports a bad line by number', () => {
    const text = `${JSON.stringify({ source: 'arp', ip: '10.0.0.5', mac: '44:47:cc:37:ce:81' })}\n{bad\n${JSON.stringify({ source: 'lldp', mac: '4c:11:bf:c2:0b:9d' })}\n`;
    expect(detectFormat(text)).toBe('jsonl');
    const items = importText(createImporter('jsonl', context), text);
    expect(items.map((item) => (item.ok ? [item.line, item.observation.source] : [item.line, 'bad']))).toEqual([
      [1, 'arp'],
      [2, 'bad'],
      [3, 'lldp'],
    ]);
  });
  it("files every line under the id hashed from its content, whatever id the line gives (literal or escaped)", () => {
    const seen = { source: 'arp', ip: '10.0.0.5', mac: '44:47:cc:37:ce:81' };
    const lines = [
      JSON.stringify(seen),
      JSON.stringify({ ...seen, id: 'forged' }),
      JSON.stringify({ id: 'forged', ...seen }).replace('"id"', '"\\u0069d"'),
      JSON.stringify({ observation: { ...seen, id: 'forged' } }),
    ];
    const found = observations('jsonl', `${lines.join('\n')}\n`);
    const expected = observationId(context.site, { source: 'arp', ip: '10.0.0.5', mac: '44:47:cc:37:ce:81' });
    expect(found.map((observation) => observation.id)).toEqual([expected, expected, expected, expected]);
  });
});

describe('format detection', () => {
  it('says nothing rather than guess on text of no known format', () => {
    expect(detectFormat('hello\nworld\n')).toBeUndefined();
    expect(detectFormat('')).toBeUndefined();
  });
});

describe('nmap XML', () => {
  // Real output of Debian's nmap 7.93 (-sV, http-title, http-server-header, ssl-cert, rtsp-methods) against the lab.
  const text = read('nmap-lab-sV-scripts.xml');

  it('is detected from its <nmaprun> root, after the DOCTYPE and stylesheet nmap writes', () => {
    expect(detectFormat(text)).toBe('nmap-xml');
  });

  it('reads addresses, the MAC with nmap\'s vendor, services and script output', () => {
    const found = observations('nmap-xml', text);
    const hik = found.filter((observation) => observation.ip === '10.231.1.10');
    expect(hik[0]).toMatchObject({ source: 'nmap', mac: '58:50:ed:3a:10:21', host: { macVendor: 'Hangzhou Hikvision Digital Technology' } });
    const http = hik.find((observation) => observation.port === 80)!;
    expect(http.service).toMatchObject({ name: 'http', product: 'App-webs/' });
    expect(http.http?.headers.server).toBe('App-webs/');
    const https = hik.find((observation) => observation.port === 443)!;
    expect(https.tls?.subject).toBe('CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN');
    expect(hik.find((observation) => observation.port === 554)?.rtsp?.headers.public).toMatch(/^OPTIONS, DESCRIBE/);
    // Closed ports say nothing of the device.
    expect(hik.some((observation) => observation.port === 8000)).toBe(false);
    // A routed device nmap reached without a MAC: its raw reply to nmap's GET probe is the evidence.
    const routed = found.find((observation) => observation.ip === '10.231.20.20' && observation.port === 80)!;
    expect(routed.mac).toBeUndefined();
    expect(routed.http?.title).toBe('WEB SERVICE');
    expect(identify(found.filter((observation) => observation.ip === '10.231.20.20')).vendor).toBe('Dahua');
    // The scan's own times, not the import's.
    expect(hik[0]!.observedAt.startsWith('2026-12-03')).toBe(true);
  });

  it('reads the broadcast discovery scripts, one observation per device heard (output as in the scripts\' @output)', () => {
    const prescript = [
      '<prescript><script id="broadcast-upnp-info" output="&#xa;  10.0.0.64&#xa;      Server: Linux, UPnP/1.0, Portable SDK for UPnP devices/1.6.6&#xa;      Location: http://10.0.0.64:49152/rootDesc.xml&#xa;      Webserver: Linux, UPnP/1.0, Portable SDK for UPnP devices/1.6.6&#xa;      Name: DS-2CD2042WD-I&#xa;      Manufacturer: Hikvision&#xa;      Model Name: DS-2CD2042WD-I&#xa;      Model Version: DS-2CD2042WD-I"/>',
      '<script id="broadcast-wsdd-discover" output="&#xa;  Devices&#xa;    10.0.0.65&#xa;        Message id: 9ea97e41-e874-faa7-fe28-deadbeefceb3&#xa;        Address: http://10.0.0.65/onvif/device_service&#xa;        Type: dn:NetworkVideoTransmitter tds:Device"/>',
      '<script id="broadcast-dns-service-discovery" output="&#xa;  10.0.0.66&#xa;    80/tcp http&#xa;      path=/&#xa;      Address=10.0.0.66&#xa;  10.0.0.67&#xa;    _CGI._tcp.local"/>',
      '</prescript>',
    ].join('\n');
    const found = observations('nmap-xml', prescript);
    expect(found.map((observation) => observation.ip)).toEqual(['10.0.0.64', '10.0.0.65', '10.0.0.66', '10.0.0.67']);
    expect(found[0]!.ssdp?.description).toMatchObject({ manufacturer: 'Hikvision', modelName: 'DS-2CD2042WD-I', friendlyName: 'DS-2CD2042WD-I' });
    expect(found[1]!.wsdiscovery).toMatchObject({ types: ['dn:NetworkVideoTransmitter', 'tds:Device'], xaddrs: ['http://10.0.0.65/onvif/device_service'] });
    expect(found[2]!.mdns).toMatchObject({ service: '_http._tcp.local', port: 80, txt: { path: '/' } });
    expect(found[3]!.mdns?.service).toBe('_CGI._tcp.local');
  });

  it('refuses an element that declares entities, and names the line of a broken one', () => {
    const items = importText(createImporter('nmap-xml', context), '<host><!ENTITY x "y"><status state="up"/></host>\n<host><status state="up"\n');
    expect(items.map((item) => (item.ok ? 'ok' : `${item.line}: ${item.reason}`))).toEqual(['1: element declares a DOCTYPE or ENTITY (refused)', '2: <host> element not closed at the end of the input']);
  });
});
