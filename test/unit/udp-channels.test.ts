// The SADP, DHIP and WS-Discovery modules end to end on loopback unicast (never multicast on the host): each module
// probes 127.0.0.1 on a test port where a fake device answers with the lab responders' reply builders.
import { createSocket, type Socket } from 'node:dgram';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveScanConfig, type ScanConfig } from '../../src/config.js';
import type { Observation } from '../../src/model.js';
import { createDhipDiscovery } from '../../src/discovery/dhip/index.js';
import { createProbeContext } from '../../src/discovery/engine/run.js';
import { createSadpDiscovery } from '../../src/discovery/sadp/index.js';
import type { DiscoveryModule } from '../../src/discovery/types.js';
import { createWsDiscovery } from '../../src/discovery/wsdiscovery/index.js';
import type { DeviceProfile } from '../lab/profile.js';
import type { ResponderContext } from '../lab/device/responder.js';
import { buildDhipNotify, isDhipSearch, parseDhipConfig } from '../lab/device/responders/dhip.js';
import { startOnvifServer } from '../lab/device/responders/onvif.js';
import { buildSadpProbeMatch, inquiryUuid, parseSadpConfig } from '../lab/device/responders/sadp.js';
import { answersProbe, buildProbeMatches, parseWsDiscoveryConfig, readProbe } from '../lab/device/responders/wsdiscovery.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const responderContext: ResponderContext = {
  profile: { name: 'unit', identity: { model: 'DS-2CD2385G1-I', serial: 'DS-2CD2385G1-I20200414AAWRE33842150' } } as unknown as DeviceProfile,
  ip: '127.0.0.1',
  mac: '58:50:ed:1f:e3:85',
  log: () => undefined,
};

async function fakeDevice(answer: (data: Buffer) => Buffer[]): Promise<{ port: number; received: Buffer[] }> {
  const socket: Socket = createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (data, remote) => {
    received.push(data);
    for (const reply of answer(data)) socket.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => socket.close(() => resolve())));
  return { port: socket.address().port, received };
}

async function run(module: DiscoveryModule, overrides: Partial<ScanConfig> = {}): Promise<Observation[]> {
  const config = resolveScanConfig({ listenWindowMs: 300, site: 'unit', agent: 'unit', ...overrides });
  const context = createProbeContext({ config, log: pino({ level: 'silent' }), signal: new AbortController().signal });
  const observations: Observation[] = [];
  for await (const observation of module.probe({ cidrs: ['127.0.0.1/32'], interfaces: [] }, context)) observations.push(observation);
  return observations;
}

const unwrap = <T>(result: { ok: true; value: T } | { ok: false; reason: string }): T => {
  if (!result.ok) throw new Error(result.reason);
  return result.value;
};

describe('SADP module on loopback', () => {
  it('emits one sadp observation per device with every field, MAC normalised, the echo Uuid left out', async () => {
    const config = unwrap(parseSadpConfig({ fields: { DeviceType: '141945', DeviceDescription: '{{identity.model}}', DeviceSN: '{{identity.serial}}', MAC: '{{macDash}}', IPv4Address: '192.0.0.64', HCPlatformEnable: 'flase', OEMInfo: 'LTS' } }));
    // Answers twice, as a device hearing the probe on two paths would: one observation must come out.
    const device = await fakeDevice((data) => {
      const uuid = inquiryUuid(data);
      return uuid === undefined ? [] : [buildSadpProbeMatch(config, uuid, responderContext), buildSadpProbeMatch(config, uuid, responderContext)];
    });
    const observations = await run(createSadpDiscovery({ port: device.port }));
    expect(observations).toHaveLength(1);
    expect(observations[0]).toMatchObject({
      source: 'sadp', ip: '127.0.0.1', port: device.port, mac: '58:50:ed:1f:e3:85', transport: 'unicast', site: 'unit',
      sadp: { Types: 'inquiry', DeviceType: '141945', DeviceDescription: 'DS-2CD2385G1-I', MAC: '58-50-ed-1f-e3-85', IPv4Address: '192.0.0.64', HCPlatformEnable: 'flase', OEMInfo: 'LTS' },
    });
    expect(observations[0]?.sadp?.Uuid).toBeUndefined();
    expect(device.received[0]?.toString()).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?><Probe><Uuid>[0-9A-F-]{36}<\/Uuid><Types>inquiry<\/Types><\/Probe>$/);
  });

  it('emits the same observation id for the same device across runs', async () => {
    const config = unwrap(parseSadpConfig({ fields: { DeviceSN: 'X1', MAC: '{{macDash}}' } }));
    const device = await fakeDevice((data) => {
      const uuid = inquiryUuid(data);
      return uuid === undefined ? [] : [buildSadpProbeMatch(config, uuid, responderContext)];
    });
    const [first] = await run(createSadpDiscovery({ port: device.port }), { listenWindowMs: 100 });
    const [second] = await run(createSadpDiscovery({ port: device.port }), { listenWindowMs: 100 });
    expect(first?.id).toBeDefined();
    expect(first?.id).toBe(second?.id);
  });
});

describe('DHIP module on loopback', () => {
  it('emits the deviceInfo fields and the top-level mac, nested objects kept', async () => {
    const config = unwrap(parseDhipConfig({ style: 'spaced', deviceInfo: { DeviceClass: 'IPC', DeviceType: 'IPC-HDW1431T1-S4', SerialNo: '6C01E93PAG69A7D', Vendor: 'Private', Version: '2.800.0000000.13.R', HttpPort: 80, IPv4Address: { IPAddress: '{{ip}}', DhcpEnable: false } } }));
    const device = await fakeDevice((data) => (isDhipSearch(data) ? [buildDhipNotify(config, responderContext)] : []));
    const observations = await run(createDhipDiscovery({ port: device.port }));
    expect(observations).toHaveLength(1);
    expect(observations[0]).toMatchObject({
      source: 'dhip', ip: '127.0.0.1', mac: '58:50:ed:1f:e3:85',
      dhip: { mac: '58:50:ed:1f:e3:85', DeviceType: 'IPC-HDW1431T1-S4', Vendor: 'Private', HttpPort: 80, IPv4Address: { IPAddress: '127.0.0.1', DhcpEnable: false } },
    });
  });
});

describe('WS-Discovery module on loopback', () => {
  it('emits the ProbeMatch once (both probe types answered) and follows the XAddr on the responder to ONVIF', async () => {
    const onvif = await startOnvifServer(
      { port: 0, deviceInformation: { Manufacturer: 'HIKVISION', Model: '{{identity.model}}' }, users: [{ username: 'admin', password: 'pw-1' }], anonymousDeviceInformation: false, refusalStatus: 401, timeZone: 'UTC0', authentication: 'ws-usernametoken', digestRealm: 'IP Camera(C2183)' },
      responderContext, '127.0.0.1', 0,
    );
    cleanups.push(onvif.stop);
    const config = unwrap(parseWsDiscoveryConfig({
      style: 'hikvision', endpoint: 'urn:uuid:aa85c000-6324-11b3-819e-{{macHex}}', types: ['dn:NetworkVideoTransmitter', 'tds:Device'],
      scopes: ['onvif://www.onvif.org/name/HIKVISION%20{{identity.model}}', 'onvif://www.onvif.org/location/city/hangzhou'],
      xaddrs: [`http://{{ip}}:${onvif.port}/onvif/device_service`, 'http://10.9.9.9/onvif/device_service'], metadataVersion: 10,
    }));
    const device = await fakeDevice((data) => {
      const probe = readProbe(data);
      return probe && answersProbe(config, probe.types) ? [buildProbeMatches(config, probe.messageId, responderContext)] : [];
    });
    const observations = await run(createWsDiscovery({ port: device.port }), { credentials: [{ cidr: '127.0.0.0/8', username: 'admin', password: 'pw-1' }] });
    expect(device.received).toHaveLength(2);
    expect(observations.map((observation) => observation.source).sort()).toEqual(['onvif', 'wsdiscovery']);
    const ws = observations.find((observation) => observation.source === 'wsdiscovery');
    expect(ws).toMatchObject({
      ip: '127.0.0.1', mac: '58:50:ed:1f:e3:85',
      wsdiscovery: { endpoint: 'urn:uuid:aa85c000-6324-11b3-819e-5850ed1fe385', types: ['dn:NetworkVideoTransmitter', 'tds:Device'], metadataVersion: 10 },
    });
    expect(ws?.wsdiscovery?.scopes).toContain('onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I');
    const onvifObservation = observations.find((observation) => observation.source === 'onvif');
    expect(onvifObservation).toMatchObject({ ip: '127.0.0.1', port: onvif.port, transport: 'tcp', onvif: { deviceInformationAuth: 'configured', deviceInformation: { Manufacturer: 'HIKVISION', Model: 'DS-2CD2385G1-I' } } });
  });

  it('stays silent for a device typed only NetworkVideoTransmitter to the Device probe, and skips follow-up when asked', async () => {
    const config = unwrap(parseWsDiscoveryConfig({ style: 'axis', endpoint: 'urn:uuid:08a6f3cd-312c-4810-837e-fb2859be05bb', types: ['dn:NetworkVideoTransmitter'], scopes: [], xaddrs: ['http://{{ip}}:9/onvif/device_service'] }));
    let answered = 0;
    const device = await fakeDevice((data) => {
      const probe = readProbe(data);
      if (!probe || !answersProbe(config, probe.types)) return [];
      answered += 1;
      return [buildProbeMatches(config, probe.messageId, responderContext)];
    });
    const observations = await run(createWsDiscovery({ port: device.port, followUp: false }));
    expect(answered).toBe(1);
    expect(observations.map((observation) => observation.source)).toEqual(['wsdiscovery']);
  });
});
