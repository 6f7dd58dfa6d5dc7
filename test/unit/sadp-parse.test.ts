import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSadpBoolean, parseSadpReply } from '../../src/discovery/sadp/parse.js';
import { buildSadpInquiry, createSadpProbeUuid } from '../../src/discovery/sadp/probe.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/sadp/${name}`, import.meta.url));

describe('parseSadpReply on recorded replies', () => {
  it('reads every field of a DS-2CD2320D-I reply, in firmware order, raw and typed', () => {
    const result = parseSadpReply(fixture('hikvision-ds-2cd2320d-i-v5.5.6.xml'));
    if (!result.ok) throw new Error(result.reason);
    const match = result.value;
    expect(Object.keys(match.fields)).toEqual([
      'Uuid', 'Types', 'DeviceType', 'DeviceDescription', 'DeviceSN', 'CommandPort', 'HttpPort', 'MAC', 'IPv4Address',
      'IPv4SubnetMask', 'IPv4Gateway', 'IPv6Address', 'IPv6Gateway', 'IPv6MaskLen', 'DHCP', 'AnalogChannelNum',
      'DigitalChannelNum', 'SoftwareVersion', 'DSPVersion', 'BootTime', 'Encrypt', 'ResetAbility', 'DiskNumber', 'Activated',
      'PasswordResetAbility', 'PasswordResetModeSecond', 'SupportSecurityQuestion', 'SupportHCPlatform', 'HCPlatformEnable',
      'IsModifyVerificationCode', 'Salt', 'DeviceLock',
    ]);
    expect(match.fields.HCPlatformEnable).toBe('flase');
    expect(match.fields.SoftwareVersion).toBe('V5.5.6build 180326');
    expect(match).toMatchObject({
      deviceType: 142378,
      model: 'DS-2CD2320D-I',
      serial: 'DS-2CD2320D-I20180919AACHC52932642',
      mac: '44:47:cc:37:ce:81',
      ipv4Address: '192.168.1.112',
      ipv6Address: '240e:361:c0a:2a00:4647:ccff:fe37:ce81',
      dhcp: true,
      commandPort: 8000,
      httpPort: 80,
      softwareVersion: 'V5.5.6build 180326',
      dspVersion: 'V7.3 build 180326',
      bootTime: '2024-09-18 09:21:28',
      activated: true,
    });
    expect(match.oemInfo).toBeUndefined();
  });

  it('reads DetailOEMCode and the SDK-over-TLS fields of newer firmware', () => {
    const result = parseSadpReply(fixture('hikvision-ds-2cd2385g1-i-v5.6.2.xml'));
    if (!result.ok) throw new Error(result.reason);
    expect(result.value).toMatchObject({ model: 'DS-2CD2385G1-I', mac: '58:50:ed:1f:e3:85', detailOemCode: '1', sdkOverTlsPort: 8443 });
    expect(result.value.fields.DeviceLock).toBe('flase');
    expect(result.value.fields.SupportMailBox).toBe('true');
  });

  it('reads OEMInfo, a comma in DSPVersion and an intercom device type', () => {
    const result = parseSadpReply(fixture('hikvision-ds-kh6210-l-v1.5.0.xml'));
    if (!result.ok) throw new Error(result.reason);
    expect(result.value).toMatchObject({ deviceType: 57397, model: 'DS-KH6210-L', oemInfo: 'N/A', dspVersion: 'V1.0, build 180613', mac: 'aa:bb:cc:aa:bb:cc', dhcp: false });
  });
});

describe('parseSadpReply on hostile and broken input', () => {
  const real = fixture('hikvision-ds-2cd2320d-i-v5.5.6.xml');

  it('refuses an entity bomb before parsing', () => {
    const result = parseSadpReply(fixture('hostile-doctype-billion-laughs.xml'));
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('DOCTYPE') });
  });

  it.each([
    ['empty', Buffer.alloc(0), 'empty'],
    ['truncated', real.subarray(0, Math.floor(real.length / 2)), 'malformed XML'],
    ['binary', Buffer.from([0x21, 0x02, 0x01, 0x42, 0x00, 0xff]), 'malformed XML'],
    ['a Probe from another scanner', buildSadpInquiry(createSadpProbeUuid()), 'Probe'],
    ['another root', Buffer.from('<Other><MAC>44-47-cc-37-ce-81</MAC></Other>'), '<Other>'],
    ['no identity', Buffer.from('<ProbeMatch><Types>inquiry</Types></ProbeMatch>'), 'neither a MAC nor a DeviceSN'],
    ['a __proto__ element', Buffer.from('<ProbeMatch><__proto__>x</__proto__><MAC>44-47-cc-37-ce-81</MAC></ProbeMatch>'), 'refused'],
    ['an ENTITY without DOCTYPE', Buffer.from('<!ENTITY a "b"><ProbeMatch/>'), 'ENTITY'],
  ])('refuses %s with a reason', (_label, input, reason) => {
    const result = parseSadpReply(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('refuses a datagram above the bound', () => {
    const result = parseSadpReply(real, 100);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('exceeds the 100-byte bound') });
  });

  it('accepts trailing NUL padding and keeps predefined entities decoded', () => {
    const padded = Buffer.concat([Buffer.from('<ProbeMatch><MAC>44-47-cc-37-ce-81</MAC><OEMInfo>A &amp; B</OEMInfo></ProbeMatch>'), Buffer.alloc(8)]);
    const result = parseSadpReply(padded);
    expect(result.ok && result.value.oemInfo).toBe('A & B');
  });
});

describe('SADP booleans and the inquiry', () => {
  it('reads the firmware misspelling flase as false', () => {
    expect([parseSadpBoolean('true'), parseSadpBoolean('false'), parseSadpBoolean('flase'), parseSadpBoolean('yes')]).toEqual([true, false, false, undefined]);
  });

  it('builds exactly the inquiry, with an upper-case UUID', () => {
    const uuid = createSadpProbeUuid();
    expect(uuid).toMatch(/^[0-9A-F-]{36}$/);
    expect(buildSadpInquiry(uuid).toString()).toBe(`<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>${uuid}</Uuid><Types>inquiry</Types></Probe>`);
    expect(() => buildSadpInquiry('not-a-uuid</Uuid><Types>update')).toThrow(TypeError);
  });
});
