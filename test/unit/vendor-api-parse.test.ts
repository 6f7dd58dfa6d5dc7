import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readKeyValueLines, readMagicBoxValue, readRemoteDevices, readT2uServer } from '../../src/discovery/vendor-api/dahua-parse.js';
import { readInputProxyChannels, readInputProxyStatus, readIsapiDeviceInfo, readIsapiEzviz } from '../../src/discovery/vendor-api/isapi-parse.js';

const fixture = (path: string): Buffer => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));
const MAX = 512 * 1024;

describe('ISAPI documents', () => {
  it('reads deviceInfo in the ver20 and ver10 namespaces', () => {
    const current = readIsapiDeviceInfo(fixture('isapi/deviceinfo-ds-2cd63c5g1-ivs.xml'), MAX);
    expect(current.ok && current.value).toMatchObject({ model: 'DS-2CD63C5G1-IVS', serialNumber: 'DS-2CD63C5G1-IVS20250709AAWRGB0012345', macAddress: '50:e5:38:bb:aa:d1', firmwareVersion: 'V5.8.3', deviceType: 'IPCamera' });
    const old = readIsapiDeviceInfo(fixture('isapi/deviceinfo-ver10.xml'), MAX);
    expect(old.ok && old.value.model).toBe('DS-2CD2A20F-IS');
  });

  it('refuses a DOCTYPE, an ISAPI error and a document without model or serial', () => {
    expect(readIsapiDeviceInfo('<!DOCTYPE x [<!ENTITY a "b">]><DeviceInfo><model>&a;</model></DeviceInfo>', MAX).ok).toBe(false);
    const error = readIsapiDeviceInfo('<ResponseStatus><statusCode>4</statusCode><subStatusCode>notSupport</subStatusCode></ResponseStatus>', MAX);
    expect(error).toEqual({ ok: false, reason: 'ISAPI error notSupport' });
    expect(readIsapiDeviceInfo('<DeviceInfo><deviceName>x</deviceName></DeviceInfo>', MAX).ok).toBe(false);
  });

  it('reads the channel list with each camera identity, never the logins, and either protocol element', () => {
    const result = readInputProxyChannels(fixture('isapi/inputproxy-channels.xml'), MAX);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.map((channel) => channel.id)).toEqual([1, 2]);
    expect(result.value[0]!.fields).toMatchObject({ name: 'Gate', proxyProtocol: 'HIKVISION', ipAddress: '192.0.2.64', deviceTypeName: 'DS-2CD2143G2-I', serialNumber: 'DS-2CD2143G2-I20240101AAWRG0000001', firmwareVersion: 'V5.7.3 build 220112' });
    expect(result.value[1]!.fields).toMatchObject({ proxyProtocol: 'ONVIF', hostName: 'cam2.example' });
    for (const channel of result.value) {
      expect(channel.fields).not.toHaveProperty('userName');
      expect(channel.fields).not.toHaveProperty('password');
    }
  });

  it('reads channel status and the EZVIZ setting without its verification code', () => {
    const status = readInputProxyStatus(fixture('isapi/inputproxy-status.xml'), MAX);
    expect(status.ok && status.value).toEqual([
      { id: 1, fields: { online: 'true', chanDetectResult: 'connect' } },
      { id: 2, fields: { online: 'false', chanDetectResult: 'netUnreachable' } },
    ]);
    const ezviz = readIsapiEzviz(fixture('isapi/ezviz.xml'), MAX);
    expect(ezviz.ok && ezviz.value).toEqual({ enabled: 'false', registerStatus: 'false', bindStatus: 'unbind', serverAddress: 'litedev.hik-connect.com' });
  });
});

describe('Dahua CGI answers', () => {
  it('reads magicBox values and refuses an error text', () => {
    expect(readMagicBoxValue(fixture('dahuacgi/magicbox-type.txt').toString(), 'type')).toEqual({ ok: true, value: 'IPC-HDBW1230E-S4' });
    expect(readMagicBoxValue(fixture('dahuacgi/magicbox-serial.txt').toString(), 'sn')).toEqual({ ok: true, value: '6C01E93PAG69A7D' });
    expect(readMagicBoxValue(fixture('dahuacgi/magicbox-version.txt').toString(), 'version')).toEqual({ ok: true, value: '2.800.0000016.0.R,build:2020-06-05' });
    expect(readKeyValueLines('Error\r\nBad Request!\r\n').ok).toBe(false);
  });

  it('reads the P2P setting', () => {
    expect(readT2uServer(fixture('dahuacgi/t2userver.txt').toString())).toEqual({ ok: true, value: { Enable: 'true' } });
    expect(readT2uServer('table.Other.Enable=true').ok).toBe(false);
  });

  it('reads RemoteDevice slots as channels, skips empty slots, nested keys and logins', () => {
    const result = readRemoteDevices(fixture('dahuacgi/remote-device.txt').toString());
    expect(result.ok && result.value).toEqual([
      {
        channel: 1,
        fields: { Address: '192.0.2.21', DeviceType: 'IPC-HDW1431T1-S4', Enable: 'true', Mac: '3c:ef:8c:00:00:01', ProtocolType: 'Private', SerialNo: '6C01E93PAG00001', Version: '2.800.0000000.13.R' },
      },
    ]);
  });
});
