import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { descriptionUrlFor, parseSsdpMessage, parseUpnpDescription, udnOfUsn } from '../../src/discovery/ssdp/parse.js';
import { buildMSearch, SSDP_SEARCH_TARGETS } from '../../src/discovery/ssdp/probe.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/ssdp/${name}`, import.meta.url));
const MAX_XML_BYTES = 512 * 1024;

function parse(name: string) {
  const result = parseSsdpMessage(fixture(name));
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

describe('parseSsdpMessage on recorded replies', () => {
  it('keeps every header of a Dahua reply, names lower-cased, values as sent', () => {
    const message = parse('dahua-nvr-1L047ACPAW00037-search-uuid.bin');
    expect(message.kind).toBe('response');
    expect(message.status).toBe(200);
    expect(message.headers).toEqual({
      'cache-control': 'max-age=1800',
      date: 'Wed, 24 Feb 2021 02:58:42 GMT',
      ext: '',
      'x-user-agent': 'redsonic',
      location: 'http://192.168.1.20:49152/upnp_device_desc.xml',
      server: 'Linux/3.8.8, UPnP/1.0, ZheJiang Dahua Technology CO.,LTD. Upnp SDK',
      st: 'uuid:www.dahuatech.com.device_3_0-1L047ACPAW00037',
      usn: 'uuid:www.dahuatech.com.device_3_0-1L047ACPAW00037',
    });
    expect(message).toMatchObject({
      server: 'Linux/3.8.8, UPnP/1.0, ZheJiang Dahua Technology CO.,LTD. Upnp SDK',
      location: 'http://192.168.1.20:49152/upnp_device_desc.xml',
      uuid: 'uuid:www.dahuatech.com.device_3_0-1L047ACPAW00037',
      maxAgeSeconds: 1800,
    });
  });

  it('takes the UDN from a USN with a `::` suffix', () => {
    const message = parse('dahua-nvr-1L047ACPAW00037-search-urn.bin');
    expect(message.st).toBe('urn:schemas-upnp-org:device:3.0-1L047ACPAW00037');
    expect(message.uuid).toBe('uuid:www.dahuatech.com.device_3_0-1L047ACPAW00037');
  });

  it('reads an Axis reply with OPT/01-NLS and a miniupnpd router reply', () => {
    const axis = parse('axis-m1014-search-basicservice.bin');
    expect(axis.server).toBe('Linux/2.6.35, UPnP/1.0, Portable SDK for UPnP devices/1.6.18');
    expect(axis.headers.opt).toBe('"http://schemas.upnp.org/upnp/1/0/"; ns=01');
    expect(axis.headers['01-nls']).toBe('8fb2638a-1dd2-11b2-a915-c89968cce2ca');
    expect(axis.uuid).toBe('uuid:Upnp-BasicDevice-1_0-ACCC8E270AD8');
    const router = parse('miniupnpd-igd-search-rootdevice.bin');
    expect(router).toMatchObject({ st: 'upnp:rootdevice', server: 'OpenWRT/OpenWrt UPnP/1.1 MiniUPnPd/2.3.3', maxAgeSeconds: 120 });
    expect(router.headers['bootid.upnp.org']).toBe('1700000000');
  });

  it('recognises a NOTIFY announcement and another client’s M-SEARCH', () => {
    const notify = parse('axis-m1014-notify-byebye.bin');
    expect(notify).toMatchObject({ kind: 'notify', nt: 'urn:axis-com:service:BasicService:1' });
    expect(notify.status).toBeUndefined();
    expect(notify.headers.nts).toBe('ssdp:byebye');
    const search = parseSsdpMessage(buildMSearch('ssdp:all'));
    expect(search.ok && search.value.kind).toBe('search');
  });

  it('joins a repeated header and unfolds a continuation line', () => {
    const result = parseSsdpMessage(Buffer.from('HTTP/1.1 200 OK\r\nST: a\r\nst: b\r\nSERVER: Linux/1,\r\n  UPnP/1.0 x/1\r\n\r\n'));
    expect(result.ok && result.value.headers).toEqual({ st: 'a, b', server: 'Linux/1, UPnP/1.0 x/1' });
  });

  it('accepts bare LF line ends and no final blank line', () => {
    const result = parseSsdpMessage(Buffer.from('HTTP/1.1 200 OK\nLOCATION: http://10.0.0.5:80/d.xml\nST: upnp:rootdevice'));
    expect(result.ok && result.value.location).toBe('http://10.0.0.5:80/d.xml');
  });
});

describe('parseSsdpMessage refuses what is not an SSDP message', () => {
  it.each([
    ['empty', Buffer.alloc(0), /empty/],
    ['binary', Buffer.from([0xff, 0x00, 0x13, 0x37]), /start line/],
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), /start line/],
    ['a header without a colon', Buffer.from('HTTP/1.1 200 OK\r\nEXT\r\n\r\n'), /without a name/],
    ['a bad header name', Buffer.from('HTTP/1.1 200 OK\r\nBAD NAME: x\r\n\r\n'), /invalid header name/],
    ['too many headers', Buffer.from(`HTTP/1.1 200 OK\r\n${'X-A: 1\r\n'.repeat(101)}\r\n`), /more than 100/],
  ])('%s', (_name, data, reason) => {
    const result = parseSsdpMessage(data);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('refuses a datagram over the bound before reading it', () => {
    const result = parseSsdpMessage(Buffer.alloc(2000, 0x41), 1024);
    expect(result).toEqual({ ok: false, reason: 'datagram of 2000 bytes exceeds the 1024-byte bound' });
  });

  it('truncated replies keep what arrived whole', () => {
    const whole = fixture('axis-m1014-search-basicservice.bin');
    for (let length = 1; length < whole.length; length += 7) {
      const result = parseSsdpMessage(whole.subarray(0, length));
      if (result.ok) expect(result.value.kind).toBe('response');
      else expect(result.reason).toMatch(/start line|without a name|invalid header name/);
    }
  });
});

describe('udnOfUsn', () => {
  it.each([
    ['uuid:abc::upnp:rootdevice', 'uuid:abc'],
    ['uuid:abc', 'uuid:abc'],
    ['urn:x', undefined],
    [undefined, undefined],
  ])('%s → %s', (usn, udn) => expect(udnOfUsn(usn)).toBe(udn));
});

describe('descriptionUrlFor fetches only from the responding address', () => {
  it('accepts http at the responder, any port', () => {
    const url = descriptionUrlFor('http://192.168.1.20:49152/upnp_device_desc.xml', '192.168.1.20');
    expect(url.ok && url.value.href).toBe('http://192.168.1.20:49152/upnp_device_desc.xml');
  });
  it.each([
    ['http://192.168.1.21:49152/d.xml', /not the responding address/],
    ['http://169.254.169.254/latest/meta-data/', /not the responding address/],
    ['http://camera.local/d.xml', /not an IPv4 address/],
    ['https://192.168.1.20/d.xml', /scheme https:/],
    ['file:///etc/passwd', /scheme file:/],
    ['http://user:pw@192.168.1.20/d.xml', /credentials/],
    ['not a url', /not a URL/],
  ])('refuses %s', (location, reason) => {
    const url = descriptionUrlFor(location, '192.168.1.20');
    expect(url.ok).toBe(false);
    if (!url.ok) expect(url.reason).toMatch(reason);
  });
  it('refuses a missing LOCATION', () => expect(descriptionUrlFor(undefined, '10.0.0.1').ok).toBe(false));
});

describe('parseUpnpDescription', () => {
  it('keeps the root device fields of a recorded Axis description', () => {
    const result = parseUpnpDescription(fixture('axis-m1014-rootdesc1.xml'), MAX_XML_BYTES);
    if (!result.ok) throw new Error(result.reason);
    expect(result.value.fields).toEqual({
      deviceType: 'urn:schemas-upnp-org:device:Basic:1',
      friendlyName: 'AXIS M1014 - ACCC8E270AD8',
      manufacturer: 'AXIS',
      manufacturerURL: 'http://www.axis.com/',
      modelDescription: 'AXIS M1014 Fixed Network Camera',
      modelName: 'AXIS M1014',
      modelNumber: 'M1014',
      modelURL: 'http://www.axis.com/',
      serialNumber: 'ACCC8E270AD8',
      UDN: 'uuid:Upnp-BasicDevice-1_0-ACCC8E270AD8',
      presentationURL: 'http://192.168.1.102:80/',
    });
    expect(result.value.urlBase).toBe('http://192.168.1.102:51578/');
    expect(result.value.embeddedDeviceTypes).toEqual([]);
  });

  it('keeps the root device, not the embedded ones, of a router, and lists the embedded types', () => {
    const result = parseUpnpDescription(fixture('miniupnpd-igd-rootDesc.xml'), MAX_XML_BYTES);
    if (!result.ok) throw new Error(result.reason);
    expect(result.value.fields).toMatchObject({
      deviceType: 'urn:schemas-upnp-org:device:InternetGatewayDevice:1',
      manufacturer: 'OpenWRT',
      modelName: 'OpenWRT router',
      UDN: 'uuid:5b1f1e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
    });
    expect(result.value.fields.UPC).toBeUndefined();
    expect(result.value.embeddedDeviceTypes).toEqual([
      'urn:schemas-upnp-org:device:WANDevice:1',
      'urn:schemas-upnp-org:device:WANConnectionDevice:1',
    ]);
  });

  it('decodes the predefined entities and character references, nothing else', () => {
    const xml = '<root><device><manufacturer>A &amp; B &#x263A;</manufacturer><modelName>&unknown;</modelName></device></root>';
    const result = parseUpnpDescription(xml, MAX_XML_BYTES);
    expect(result.ok && result.value.fields).toEqual({ manufacturer: 'A & B ☺', modelName: '&unknown;' });
  });

  it.each([
    ['hostile-billion-laughs.xml', /DOCTYPE or ENTITY/],
    ['hostile-xxe.xml', /DOCTYPE or ENTITY/],
  ])('refuses %s before parsing', (name, reason) => {
    const result = parseUpnpDescription(fixture(name), MAX_XML_BYTES);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it.each([
    ['a document over the bound', '<root><device><modelName>x</modelName></device></root>', 20, /exceeds/],
    ['malformed XML', '<root><device><modelName>x</device></root>', MAX_XML_BYTES, /malformed/],
    ['another root element', '<html><body>hi</body></html>', MAX_XML_BYTES, /not <root>/],
    ['a root without a device', '<root><specVersion><major>1</major></specVersion></root>', MAX_XML_BYTES, /no <device>/],
    ['a device without any field', '<root><device><serviceList/></device></root>', MAX_XML_BYTES, /none of the UPnP device fields/],
    ['deep nesting', `${'<a>'.repeat(200)}${'</a>'.repeat(200)}`, MAX_XML_BYTES, /refused|malformed|not <root>/],
    ['an empty body', '', MAX_XML_BYTES, /empty/],
  ])('refuses %s', (_name, xml, maxBytes, reason) => {
    const result = parseUpnpDescription(xml, maxBytes);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('truncated descriptions are refused, never thrown on', () => {
    const whole = fixture('axis-m1014-rootdesc1.xml');
    for (let length = 0; length < whole.length - 10; length += 13) {
      expect(parseUpnpDescription(whole.subarray(0, length), MAX_XML_BYTES).ok).toBe(false);
    }
  });
});

describe('buildMSearch', () => {
  it('writes the UDA 1.1 search request', () => {
    const text = buildMSearch('ssdp:all', 1).toString('ascii');
    expect(text).toMatch(/^M-SEARCH \* HTTP\/1\.1\r\nHOST: 239\.255\.255\.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\nUSER-AGENT: camaudit\/\S+ UPnP\/1\.1 camaudit\/\S+\r\n\r\n$/);
    expect(SSDP_SEARCH_TARGETS).toEqual(['ssdp:all', 'upnp:rootdevice']);
  });
  it('refuses a search target that would inject a header, and an MX outside 1..5', () => {
    expect(() => buildMSearch('ssdp:all\r\nX: y')).toThrow(TypeError);
    expect(() => buildMSearch('ssdp:all', 0)).toThrow(RangeError);
    expect(() => buildMSearch('ssdp:all', 6)).toThrow(RangeError);
  });
});
