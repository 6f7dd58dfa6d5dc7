import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDhipReply } from '../../src/discovery/dhip/parse.js';
import { buildDhipPacket, buildDhipSearch, DHIP_SEARCH_BODY } from '../../src/discovery/dhip/probe.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/dhip/${name}`, import.meta.url));

describe('parseDhipReply on recorded replies', () => {
  it('reads a spaced reply with escaped slashes (IPC-HDW5421S, Vendor Dahua, Manufacturer Private)', () => {
    const result = parseDhipReply(fixture('dahua-ipc-hdw5421s-2.400.0.8.bin'));
    if (!result.ok) throw new Error(result.reason);
    const info = result.value;
    expect(info).toMatchObject({
      method: 'client.notifyDevInfo',
      mac: '4c:11:bf:c2:0b:9d',
      deviceType: 'IPC-HDW5421S',
      deviceClass: 'IPC',
      serialNo: '1F006E4PAX00075',
      machineName: '1F006E4PAX00075',
      vendor: 'Dahua',
      manufacturer: 'Private',
      version: '2.400.0.8',
      httpPort: 80,
      port: 37777,
      ipv4Address: 'x.x.x.x',
    });
    expect(info.fields.mac).toBe('4c:11:bf:c2:0b:9d');
    expect(info.fields.IPv6Address).toEqual({ DefaultGateway: 'x', DhcpEnable: false, IPAddress: 'x/112', LinkLocalAddress: 'fe80::4e11:bfff:fec2:0b9d/64' });
    expect(Object.keys(info.fields)).toHaveLength(17);
  });

  it('reads a compact reply with the 0a 00 tail, keeping every field (Vendor Private, Find, Init, UnLoginFuncMask)', () => {
    const result = parseDhipReply(fixture('dahua-ipc-hdw1431t1-s4-2.800.0000000.13.bin'));
    if (!result.ok) throw new Error(result.reason);
    expect(result.value).toMatchObject({ mac: '08:ed:ed:87:42:7a', deviceType: 'IPC-HDW1431T1-S4', vendor: 'Private', version: '2.800.0000000.13.R', ipv4Address: '192.168.124.17' });
    expect(result.value.fields).toMatchObject({ Find: 'BC', FindVersion: 1, Init: 2714, UnLoginFuncMask: 1, DeviceID: '' });
    expect(result.value.fields.IPv4Address).toEqual({ DefaultGateway: '192.168.124.1', DhcpEnable: true, IPAddress: '192.168.124.17', SubnetMask: '255.255.255.0' });
  });

  it('accepts a header whose length field points past the end (uses what arrived)', () => {
    const packet = Buffer.from(fixture('dahua-ipc-hdw1431t1-s4-2.800.0000000.13.bin'));
    packet.writeUInt32LE(0xffff, 16);
    expect(parseDhipReply(packet).ok).toBe(true);
  });
});

describe('parseDhipReply on hostile and broken input', () => {
  const real = fixture('dahua-ipc-hdw5421s-2.400.0.8.bin');
  it.each([
    ['empty', Buffer.alloc(0), 'empty'],
    ['a single byte', Buffer.from([0xff]), 'no DHIP header'],
    ['our own search request', fixture('request-dhdiscover-search.bin'), 'DHDiscover.search'],
    ['a header only', real.subarray(0, 32), 'empty body'],
    ['truncated JSON', real.subarray(0, 200), 'not JSON'],
    ['a JSON array', buildDhipPacket('[1,2]'), 'not a JSON object'],
    ['no deviceInfo', buildDhipPacket('{"method":"client.notifyDevInfo","params":{}}'), 'no params.deviceInfo'],
    ['no identity', buildDhipPacket('{"method":"client.notifyDevInfo","params":{"deviceInfo":{"Vendor":"Dahua"}}}'), 'neither a mac nor a SerialNo'],
    ['deep nesting', buildDhipPacket(`{"mac":"4c:11:bf:c2:0b:9d","params":{"deviceInfo":${'{"a":'.repeat(20)}1${'}'.repeat(20)}}}`), 'nested deeper'],
  ])('refuses %s with a reason', (_label, input, reason) => {
    const result = parseDhipReply(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('refuses a datagram above the bound', () => {
    expect(parseDhipReply(real, 64)).toEqual({ ok: false, reason: expect.stringContaining('64-byte bound') });
  });

  it('keeps a "__proto__" key as a plain field without touching the prototype', () => {
    const result = parseDhipReply(buildDhipPacket('{"mac":"4c:11:bf:c2:0b:9d","method":"client.notifyDevInfo","params":{"deviceInfo":{"__proto__":{"polluted":true},"SerialNo":"X"}}}'));
    if (!result.ok) throw new Error(result.reason);
    expect(Object.getPrototypeOf(result.value.fields)).toBe(Object.prototype);
    expect(Object.hasOwn(result.value.fields, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('buildDhipSearch', () => {
  it('builds the 32-byte header then DHDiscover.search, lengths little-endian', () => {
    const packet = buildDhipSearch();
    expect(packet.subarray(0, 8).toString('hex')).toBe('2000000044484950');
    expect(packet.subarray(8, 16).equals(Buffer.alloc(8))).toBe(true);
    expect(packet.readUInt32LE(16)).toBe(DHIP_SEARCH_BODY.length);
    expect(packet.readUInt32LE(24)).toBe(DHIP_SEARCH_BODY.length);
    expect(packet.subarray(32).toString()).toBe('{"method":"DHDiscover.search","params":{"mac":"","uni":1}}');
    expect(packet.equals(fixture('request-dhdiscover-search.bin'))).toBe(true);
  });
});
