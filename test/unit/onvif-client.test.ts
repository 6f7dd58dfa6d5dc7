import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveScanConfig, type ScanConfig } from '../../src/config.js';
import { createRateLimiter } from '../../src/discovery/engine/run.js';
import { queryOnvifDevice } from '../../src/discovery/onvif/client.js';
import { isAuthorizationFault, parseOnvifEnvelope, readCapabilities, readDeviceInformation, readSystemDateAndTime } from '../../src/discovery/onvif/parse.js';
import { buildOnvifRequest, passwordDigest } from '../../src/discovery/onvif/soap.js';
import type { DeviceProfile } from '../lab/profile.js';
import { startOnvifServer, type OnvifResponderConfig } from '../lab/device/responders/onvif.js';
import type { ResponderContext } from '../lab/device/responder.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/onvif/${name}`, import.meta.url));
const MAX_XML = 512 * 1024;

function body(name: string) {
  const result = parseOnvifEnvelope(fixture(name), MAX_XML);
  if (!result.ok) throw new Error(result.reason);
  if (result.value.kind !== 'response') throw new Error('expected a response');
  return result.value.body;
}

describe('ONVIF response readers on recorded responses', () => {
  it('reads GetDeviceInformation by ONVIF field names', () => {
    expect(readDeviceInformation(body('hikvision-ds-2cd3t45p1-i-getdeviceinformation.xml'))).toEqual({
      ok: true,
      value: { Manufacturer: 'HIKVISION', Model: 'DS-2CD3T45P1-I', FirmwareVersion: 'V5.5.31 build 180903', SerialNumber: 'DS-2CD3T45P1-I20210803AACH248538890', HardwareId: '88' },
    });
  });

  it('reads the device clock in UTC', () => {
    expect(readSystemDateAndTime(body('getsystemdateandtime.xml'))).toEqual({
      ok: true,
      value: { text: '2010-09-16T07:50:45Z', utcMs: Date.UTC(2010, 8, 16, 7, 50, 45), timeZone: 'CST-8:00:00' },
    });
  });

  it('maps GetCapabilities categories to service namespaces', () => {
    const result = readCapabilities(body('getcapabilities.xml'));
    expect(result.ok && result.value).toEqual({
      'http://www.onvif.org/ver20/analytics/wsdl': 'http://192.168.1.203/onvif/analytics_service',
      'http://www.onvif.org/ver10/device/wsdl': 'http://192.168.1.203/onvif/device_service',
      'http://www.onvif.org/ver10/events/wsdl': 'http://192.168.1.203/onvif/event_service',
      'http://www.onvif.org/ver20/imaging/wsdl': 'http://192.168.1.203/onvif/imaging_service',
      'http://www.onvif.org/ver10/media/wsdl': 'http://192.168.1.203/onvif/media_service',
      'http://www.onvif.org/ver10/deviceIO/wsdl': 'http://192.168.1.203/onvif/deviceIO_service',
    });
  });

  it('recognises the NotAuthorized fault as an authorization refusal', () => {
    const result = parseOnvifEnvelope(fixture('fault-not-authorized.xml'), MAX_XML);
    expect(result.ok && result.value).toMatchObject({ kind: 'fault', code: 'env:Sender', subcode: 'ter:NotAuthorized' });
    expect(result.ok && isAuthorizationFault(result.value)).toBe(true);
  });

  it('refuses entity declarations and readers refuse the wrong body', () => {
    expect(parseOnvifEnvelope(Buffer.from('<!DOCTYPE x [<!ENTITY a "b">]><Envelope/>'), MAX_XML).ok).toBe(false);
    expect(readDeviceInformation(body('getcapabilities.xml')).ok).toBe(false);
  });
});

describe('WS-UsernameToken PasswordDigest', () => {
  it('matches the ONVIF Application Programmer’s Guide example', () => {
    expect(passwordDigest(Buffer.from('LKqI6G/AikKCQrN0zqZFlg==', 'base64'), '2010-09-16T07:50:45Z', 'userpassword')).toBe('tuOSpGlFlIXsozq4HFNeeGeFLEI=');
  });

  it('puts the token in a Security header only when given, escaping the username', () => {
    expect(buildOnvifRequest('GetDeviceInformation')).not.toContain('Security');
    const request = buildOnvifRequest('GetDeviceInformation', { username: 'a<b', password: 'p', nonce: Buffer.alloc(16, 1), created: '2026-01-01T00:00:00Z' });
    expect(request).toContain('<wsse:Username>a&#60;b</wsse:Username>');
    expect(request).toContain('#PasswordDigest">');
    expect(request).not.toContain('>p<');
  });
});

describe('queryOnvifDevice against a device service on 127.0.0.1', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (stops.length > 0) await stops.pop()?.();
  });
  const log = pino({ level: 'silent' });

  async function device(overrides: Partial<OnvifResponderConfig> = {}) {
    const operations: string[] = [];
    /** The Authorization scheme of each request ('none' when it carried no header). */
    const authorizations: string[] = [];
    const config: OnvifResponderConfig = {
      port: 0,
      deviceInformation: { Manufacturer: 'HIKVISION', Model: '{{identity.model}}', FirmwareVersion: 'V5.5.31 build 180903', SerialNumber: 'SN1', HardwareId: '88' },
      users: [{ username: 'admin', password: 'lab-pass-1' }],
      anonymousDeviceInformation: false,
      refusalStatus: 401,
      timeZone: 'UTC0',
      authentication: 'ws-usernametoken',
      digestRealm: 'IP Camera(C2183)',
      ...overrides,
    };
    const context: ResponderContext = {
      profile: { name: 'unit', identity: { model: 'DS-2CD3T45P1-I' } } as unknown as DeviceProfile,
      ip: '127.0.0.1',
      mac: '44:47:cc:00:00:01',
      log: (message, fields) => {
        if (message !== 'onvif request') return;
        operations.push(`${String(fields?.operation)} ${String(fields?.status)}`);
        authorizations.push(String(fields?.authorization));
      },
    };
    const server = await startOnvifServer(config, context, '127.0.0.1', 0);
    stops.push(server.stop);
    return { url: new URL(`http://127.0.0.1:${server.port}/onvif/device_service`), operations, authorizations };
  }

  function clientContext(overrides: Partial<ScanConfig> = {}) {
    return {
      config: resolveScanConfig({ exchangeTimeoutMs: 2000, ...overrides }),
      log,
      limiter: createRateLimiter({ globalPerSecond: 1000, perHostPerSecond: 1000 }),
      signal: new AbortController().signal,
    };
  }

  it('gets device information anonymously where the firmware allows it (auth none)', async () => {
    const { url } = await device({ anonymousDeviceInformation: true });
    const section = await queryOnvifDevice(url, '127.0.0.1', clientContext());
    expect(section?.deviceInformationAuth).toBe('none');
    expect(section?.deviceInformation).toMatchObject({ Manufacturer: 'HIKVISION', Model: 'DS-2CD3T45P1-I', HardwareId: '88' });
    expect(section?.systemDateAndTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(section?.services?.['http://www.onvif.org/ver10/media/wsdl']).toBe('http://127.0.0.1:0/onvif/Media');
  });

  it('reports refused, and sends no credentials, when none are configured', async () => {
    const { url, operations } = await device();
    const section = await queryOnvifDevice(url, '127.0.0.1', clientContext());
    expect(section).toMatchObject({ deviceInformationAuth: 'refused' });
    expect(section?.deviceInformation).toBeUndefined();
    expect(operations).toEqual(['GetSystemDateAndTime 200', 'GetCapabilities 200', 'GetDeviceInformation 401']);
  });

  it('uses configured credentials for a range holding the device (auth configured)', async () => {
    const { url, operations } = await device({ refusalStatus: 400 });
    const section = await queryOnvifDevice(url, '127.0.0.1', clientContext({ credentials: [{ cidr: '127.0.0.0/8', username: 'admin', password: 'lab-pass-1' }] }));
    expect(section).toMatchObject({ deviceInformationAuth: 'configured', deviceInformation: { SerialNumber: 'SN1' } });
    expect(operations.slice(-2)).toEqual(['GetDeviceInformation 400', 'GetDeviceInformation 200']);
  });

  it('answers a Digest-only device (Hikvision "Digest" mode) with HTTP Digest, one authenticated attempt', async () => {
    const { url, operations, authorizations } = await device({ authentication: 'digest' });
    const section = await queryOnvifDevice(url, '127.0.0.1', clientContext({ credentials: [{ cidr: '127.0.0.0/8', username: 'admin', password: 'lab-pass-1' }] }));
    expect(section).toMatchObject({ deviceInformationAuth: 'configured', deviceInformationAuthScheme: 'http-digest', deviceInformation: { SerialNumber: 'SN1' } });
    expect(operations.slice(-2)).toEqual(['GetDeviceInformation 401', 'GetDeviceInformation 200']);
    expect(authorizations).toEqual(['none', 'none', 'none', 'Digest']);
  });

  it('with a wrong password tries Digest, then the UsernameToken, and stops there (two refusals, no more)', async () => {
    const { url, operations, authorizations } = await device({ authentication: 'digest-and-ws-usernametoken' });
    const section = await queryOnvifDevice(url, '127.0.0.1', clientContext({ credentials: [{ cidr: '127.0.0.0/8', username: 'admin', password: 'wrong' }] }));
    expect(section?.deviceInformationAuth).toBe('refused');
    expect(section?.deviceInformationAuthScheme).toBeUndefined();
    expect(operations.slice(-3)).toEqual(['GetDeviceInformation 401', 'GetDeviceInformation 401', 'GetDeviceInformation 401']);
    expect(authorizations.slice(-3)).toEqual(['none', 'Digest', 'none']);
  });

  it('one credentialed series per address and scan, however many XAddrs the device announces', async () => {
    const { url, authorizations, operations } = await device({ authentication: 'digest-and-ws-usernametoken' });
    const context = clientContext({ credentials: [{ cidr: '127.0.0.0/8', username: 'admin', password: 'wrong' }] });
    const second = new URL(url.href.replace('/onvif/device_service', '/onvif/device_service?xaddr=2'));
    for (const xaddr of [url, second, url]) await queryOnvifDevice(xaddr, '127.0.0.1', context);
    // Two credentialed attempts in all (Digest, then UsernameToken), in the first series only.
    expect(authorizations.filter((scheme) => scheme === 'Digest')).toHaveLength(1);
    expect(operations.filter((operation) => operation === 'GetDeviceInformation 401').length).toBe(3 + 2);
    // A new scan (another signal) is a new series.
    await queryOnvifDevice(url, '127.0.0.1', clientContext({ credentials: [{ cidr: '127.0.0.0/8', username: 'admin', password: 'wrong' }] }));
    expect(authorizations.filter((scheme) => scheme === 'Digest')).toHaveLength(2);
  });

  it('uses the UsernameToken on a device whose refusal carries no Digest challenge', async () => {
    const { url, authorizations } = await device();
    const section = await queryOnvifDevice(url, '127.0.0.1', clientContext({ credentials: [{ cidr: '127.0.0.0/8', username: 'admin', password: 'lab-pass-1' }] }));
    expect(section).toMatchObject({ deviceInformationAuth: 'configured', deviceInformationAuthScheme: 'ws-usernametoken' });
    expect(authorizations).not.toContain('Digest');
  });

  it('sends no Authorization header to a Digest device outside the credentials range', async () => {
    const { url, authorizations } = await device({ authentication: 'digest' });
    const section = await queryOnvifDevice(url, '127.0.0.1', clientContext({ credentials: [{ cidr: '10.0.0.0/8', username: 'admin', password: 'lab-pass-1' }] }));
    expect(section?.deviceInformationAuth).toBe('refused');
    expect(authorizations).toEqual(['none', 'none', 'none']);
  });

  it('sends nothing, credentials least of all, to an XAddr naming another host than the device that answered', async () => {
    const { url, authorizations, operations } = await device({ authentication: 'digest' });
    // The reply came from 127.0.0.2 (inside the credentials range) but its XAddr names 127.0.0.1.
    const section = await queryOnvifDevice(url, '127.0.0.2', clientContext({ credentials: [{ cidr: '127.0.0.0/8', username: 'admin', password: 'lab-pass-1' }] }));
    expect(section).toBeUndefined();
    expect(authorizations).toEqual([]);
    expect(operations).toEqual([]);
  });

  it('reports refused when the configured password is wrong', async () => {
    const { url } = await device();
    const section = await queryOnvifDevice(url, '127.0.0.1', clientContext({ credentials: [{ cidr: '127.0.0.1/32', username: 'admin', password: 'wrong' }] }));
    expect(section?.deviceInformationAuth).toBe('refused');
  });

  it('never sends credentials configured for another range', async () => {
    const { url, operations } = await device();
    const section = await queryOnvifDevice(url, '127.0.0.1', clientContext({ credentials: [{ cidr: '10.0.0.0/8', username: 'admin', password: 'lab-pass-1' }] }));
    expect(section?.deviceInformationAuth).toBe('refused');
    expect(operations.filter((entry) => entry.startsWith('GetDeviceInformation'))).toHaveLength(1);
  });

  it('gives up on a silent server within the exchange timeout, and on an oversized body', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent: Server = createServer(() => undefined);
    silent.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    stops.push(() => new Promise((resolve) => { for (const socket of sockets) socket.destroy(); silent.close(() => resolve()); }));
    const silentPort = (silent.address() as { port: number }).port;
    const started = performance.now();
    const section = await queryOnvifDevice(new URL(`http://127.0.0.1:${silentPort}/onvif/device_service`), '127.0.0.1', clientContext({ exchangeTimeoutMs: 300 }));
    expect(section).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(3 * 300 + 500);

    const huge: Server = createServer((_request, response) => response.end(Buffer.alloc(64 * 1024, 0x41)));
    await new Promise<void>((resolve) => huge.listen(0, '127.0.0.1', resolve));
    stops.push(() => new Promise((resolve) => huge.close(() => resolve())));
    const hugePort = (huge.address() as { port: number }).port;
    expect(await queryOnvifDevice(new URL(`http://127.0.0.1:${hugePort}/onvif/device_service`), '127.0.0.1', clientContext({ maxXmlBytes: 1024 }))).toBeUndefined();
  });
});
