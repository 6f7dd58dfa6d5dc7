// Listen mode's readers on real message shapes: what a device says unasked becomes the same observation sections a
// scan makes.
import { readFileSync } from 'node:fs';
import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { parseDhcpRequest } from '../../src/discovery/dhcp/parse.js';
import { PASSIVE_CHANNELS } from '../../src/discovery/listen/readers.js';
import { parseWsDiscoveryReply } from '../../src/discovery/wsdiscovery/parse.js';
import { parseSadpReply } from '../../src/discovery/sadp/parse.js';
import { dhcpMessage } from './dhcp-helpers.js';

const reader = (name: string) => PASSIVE_CHANNELS.find((channel) => channel.name === name)!;

const text = (value: string): number[] => [...Buffer.from(value, 'latin1')];

describe('DHCP requests', () => {
  it('reads message type, vendor class, host name, parameter list and option order', () => {
    // The Amcrest IP3M-943 (Dahua OEM) Request of xnih/satori fingerprints/dhcp.xml: 53,55,12,61,50,54.
    const message = dhcpMessage('9c:8e:cd:00:00:01', [
      [53, [3]],
      [55, [1, 3, 4, 5, 6, 12, 15, 28, 42]],
      [12, text('AMC0001')],
      [61, [1, 0x9c, 0x8e, 0xcd, 0, 0, 1]],
      [50, [192, 0, 2, 40]],
      [54, [192, 0, 2, 1]],
    ]);
    expect(parseDhcpRequest(message)).toEqual({
      ok: true,
      value: { mac: '9c:8e:cd:00:00:01', messageType: 'DHCPREQUEST', hostName: 'AMC0001', parameterList: '1,3,4,5,6,12,15,28,42', requestedAddress: '192.0.2.40', optionOrder: '53,55,12,61,50,54' },
    });
    const discover = parseDhcpRequest(dhcpMessage('44:47:cc:00:00:01', [[53, [1]], [60, text('udhcp 1.19.4')]]));
    expect(discover.ok && discover.value.vendorClass).toBe('udhcp 1.19.4');
  });

  it('refuses server replies, plain BOOTP, truncated options and oversized datagrams', () => {
    expect(parseDhcpRequest(dhcpMessage('44:47:cc:00:00:01', [[53, [2]]], 2)).ok).toBe(false);
    expect(parseDhcpRequest(dhcpMessage('44:47:cc:00:00:01', [])).ok).toBe(false);
    const cut = dhcpMessage('44:47:cc:00:00:01', [[53, [1]], [60, text('udhcp')]]).subarray(0, 245);
    expect(parseDhcpRequest(cut).ok).toBe(false);
    expect(parseDhcpRequest(Buffer.alloc(2000)).ok).toBe(false);
  });

  it('places a client without an address at the one it asks for, keyed by its MAC', () => {
    const heard = reader('dhcp').read(dhcpMessage('44:47:cc:00:00:01', [[53, [1]], [50, [10, 0, 0, 9]]]), '0.0.0.0');
    expect(heard).toMatchObject({ observations: [{ source: 'dhcp', ip: '10.0.0.9', mac: '44:47:cc:00:00:01', dhcp: { messageType: 'DHCPDISCOVER' } }] });
  });
});

describe('unasked announcements', () => {
  it('reads a WS-Discovery Hello and a Bye, and ignores another client\'s Probe', () => {
    const hello = readFileSync(new URL('../fixtures/wsdiscovery/hikvision-ds-2cd2385g1-i.xml', import.meta.url), 'utf8')
      .replace(/ProbeMatches/g, 'Hello')
      .replace(/<([\w-]+:)?ProbeMatch>/g, '')
      .replace(/<\/([\w-]+:)?ProbeMatch>/g, '');
    const parsedHello = parseWsDiscoveryReply(Buffer.from(hello));
    expect(parsedHello.ok && parsedHello.value.kind).toBe('Hello');
    const bye = '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Body><d:Bye><a:EndpointReference><a:Address>urn:uuid:4b0e5000-1dd2-11b2-8c4d-4447cc37ce81</a:Address></a:EndpointReference></d:Bye></s:Body></s:Envelope>';
    expect(reader('wsdiscovery').read(Buffer.from(bye), '10.0.0.5')).toMatchObject({ observations: [{ source: 'wsdiscovery', ip: '10.0.0.5', mac: '44:47:cc:37:ce:81', wsdiscovery: { endpoint: 'urn:uuid:4b0e5000-1dd2-11b2-8c4d-4447cc37ce81' } }] });
    const probe = '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>';
    expect(reader('wsdiscovery').read(Buffer.from(probe), '10.0.0.6')).toEqual({ observations: [] });
  });

  it('reads a SADP Hello with the ProbeMatch fields', () => {
    const result = parseSadpReply(Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Hello><Types>hello</Types><DeviceDescription>DS-2CD2143G2-I</DeviceDescription><DeviceSN>DS-2CD2143G2-I20230815AAWRJ00000041</DeviceSN><MAC>44-47-cc-37-5e-41</MAC></Hello>'));
    expect(result.ok && result.value.model).toBe('DS-2CD2143G2-I');
  });

  it('keeps SSDP NOTIFY headers but not the volatile ones, and ignores M-SEARCH', () => {
    const notify = 'NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: http://192.0.2.20:49152/upnp_device_desc.xml\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\nSERVER: Linux/3.8.8, UPnP/1.0, ZheJiang Dahua Technology CO.,LTD. Upnp SDK\r\nUSN: uuid:www.dahuatech.com.device_3_0-1F006E4PAX00075::upnp:rootdevice\r\n\r\n';
    const heard = reader('ssdp').read(Buffer.from(notify), '192.0.2.20');
    expect(heard).toMatchObject({ observations: [{ source: 'ssdp', ssdp: { headers: { server: 'Linux/3.8.8, UPnP/1.0, ZheJiang Dahua Technology CO.,LTD. Upnp SDK', nt: 'upnp:rootdevice' } } }] });
    expect(JSON.stringify(heard)).not.toContain('max-age');
    expect(reader('ssdp').read(Buffer.from('M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nST: ssdp:all\r\n\r\n'), '192.0.2.21')).toEqual({ observations: [] });
  });

  it('reads a DHIP client.notifyDevInfo heard unasked', () => {
    const reply = readFileSync(new URL('../fixtures/dhip/dahua-ipc-hdw1431t1-s4-2.800.0000000.13.bin', import.meta.url));
    expect(reader('dhip').read(reply, '192.168.124.17')).toMatchObject({ observations: [{ source: 'dhip', mac: '08:ed:ed:87:42:7a', dhip: { DeviceType: 'IPC-HDW1431T1-S4' } }] });
  });

  it('reads mDNS announcements and ignores queries', () => {
    const response = dnsPacket.encode({
      type: 'response',
      answers: [
        { type: 'PTR', name: '_CGI._tcp.local', data: 'HIKVISION DS-2CD2143G2-I - J00000041._CGI._tcp.local' },
        { type: 'SRV', name: 'HIKVISION DS-2CD2143G2-I - J00000041._CGI._tcp.local', data: { target: 'cam.local', port: 80 } },
      ],
    });
    expect(reader('mdns').read(response, '10.0.0.41')).toMatchObject({ observations: [{ source: 'mdns', ip: '10.0.0.41', mdns: { name: 'HIKVISION DS-2CD2143G2-I - J00000041', service: '_CGI._tcp.local', port: 80 } }] });
    const query = dnsPacket.encode({ type: 'query', questions: [{ type: 'PTR', name: '_CGI._tcp.local' }] });
    expect(reader('mdns').read(query, '10.0.0.42')).toEqual({ observations: [] });
  });
});
