// The WS-Discovery channel (and its ONVIF follow-up) end to end in the lab: typed Probes multicast on both scanner
// interfaces and by unicast to the routed segment, against every default profile; then the device service of each
// responder. Which devices answer, and with what, is read from the profiles, not written here.
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/model.js';
import { parseOnvifConfig } from './device/responders/onvif.js';
import { parseWsDiscoveryConfig } from './device/responders/wsdiscovery.js';
import { expectEndedWithItsWindow, LAN_ONVIF_LOGIN, LISTEN_WINDOW_MS, MULTICAST_SEGMENTS, profileSection, requireSection, ROUTED_CIDR, runChannel, useLab } from './harness/index.js';
import type { LabDevice } from './lab.js';

const lab = useLab('WS-DISCOVERY', { twoSegmentScanner: true });

const wsSection = (device: LabDevice) => profileSection(device.profile, 'wsdiscovery', parseWsDiscoveryConfig);
const onvifSection = (device: LabDevice) => requireSection(device.profile, 'onvif', parseOnvifConfig);

describe.runIf(lab.enabled)('ws-discovery channel in the lab', () => {
  function checkProbeMatch(observation: Observation | undefined, device: LabDevice): void {
    expect(observation, device.name).toBeDefined();
    const section = wsSection(device);
    expect(observation).toMatchObject({ source: 'wsdiscovery', ip: device.ip, port: 3702 });
    expect(observation?.wsdiscovery?.types).toEqual(section?.types);
    expect(observation?.wsdiscovery?.scopes).toContain(`onvif://www.onvif.org/hardware/${String(device.profile.identity.model)}`);
    expect(observation?.wsdiscovery?.xaddrs[0]).toBe(`http://${device.ip}:${onvifSection(device).port}/onvif/device_service`);
    expect(observation?.wsdiscovery?.endpoint).toMatch(/uuid:[0-9a-f-]{36}$/);
    expect(observation?.wsdiscovery?.metadataVersion).toBe(section?.metadataVersion);
    // Hikvision endpoints are v1 UUIDs ending in the MAC: the observation carries it even without a MAC scope.
    if (section?.style === 'hikvision') expect(observation?.mac).toBe(device.mac);
  }

  it('finds exactly the ONVIF devices of lan and lan2 by multicast, and queries each one’s device service', async () => {
    const run = await runChannel(lab, ['wsdiscovery'], { listenWindowMs: LISTEN_WINDOW_MS, credentials: [LAN_ONVIF_LOGIN] });
    const reachable = lab.devicesWith('wsdiscovery', MULTICAST_SEGMENTS);
    expect(reachable.map((device) => device.name)).toEqual(expect.arrayContaining(['hik-ipc', 'dahua-ipc', 'axis-cam', 'lts-ipc']));
    expect(reachable.map((device) => device.name)).not.toContain('hik-noonvif');
    const probeMatches = run.observations.filter((observation) => observation.source === 'wsdiscovery');
    expect(probeMatches.map((observation) => observation.ip).sort()).toEqual(reachable.map((device) => device.ip).sort());
    for (const device of reachable) {
      checkProbeMatch(probeMatches.find((item) => item.ip === device.ip), device);
      expect(probeMatches.find((item) => item.ip === device.ip)).toMatchObject({ transport: 'multicast', interface: lab.scannerInterfaceOf(device) });
    }
    expect(probeMatches.find((item) => item.ip === lab.device('lts-ipc').ip)?.wsdiscovery?.scopes).toContain('onvif://www.onvif.org/location/city/hangzhou');

    const onvif = run.observations.filter((observation) => observation.source === 'onvif');
    expect(onvif.map((observation) => observation.ip).sort()).toEqual(reachable.map((device) => device.ip).sort());
    for (const device of reachable) {
      const observation = onvif.find((item) => item.ip === device.ip);
      const config = onvifSection(device);
      expect(observation, device.name).toMatchObject({ port: config.port, transport: 'tcp', onvif: { deviceInformationAuth: config.anonymousDeviceInformation ? 'none' : 'configured' } });
      // A device whose refusal carries a Digest challenge is answered in Digest (tried first); the others with the token.
      const scheme = config.anonymousDeviceInformation ? undefined : config.authentication === 'ws-usernametoken' ? 'ws-usernametoken' : 'http-digest';
      expect(observation?.onvif?.deviceInformationAuthScheme, device.name).toBe(scheme);
      expect(observation?.onvif?.deviceInformation).toMatchObject({ Model: String(device.profile.identity.model), SerialNumber: String(device.profile.identity.serial) });
      expect(observation?.onvif?.systemDateAndTime).toMatch(/Z$/);
      expect(observation?.onvif?.services?.['http://www.onvif.org/ver10/media/wsdl']).toBe(`http://${device.ip}:${config.port}/onvif/Media`);
    }
    expect(onvif.find((item) => item.ip === lab.device('hik-ipc').ip)?.onvif?.deviceInformation).toMatchObject({ Manufacturer: 'HIKVISION', HardwareId: '88' });
    // The lab holds a Digest-only device and a device that takes either scheme, so both paths ran.
    expect(reachable.map((device) => onvifSection(device).authentication)).toEqual(expect.arrayContaining(['digest', 'digest-and-ws-usernametoken', 'ws-usernametoken']));
    expectEndedWithItsWindow(run, LISTEN_WINDOW_MS);
  }, 60_000);

  it('finds the routed ONVIF devices by unicast Probe; no credentials there, so GetDeviceInformation is refused unless anonymous', async () => {
    const run = await runChannel(lab, ['wsdiscovery'], { listenWindowMs: LISTEN_WINDOW_MS, cidrs: [ROUTED_CIDR], interfaces: 'none', credentials: [LAN_ONVIF_LOGIN] });
    const routed = lab.devicesWith('wsdiscovery', ['routed']);
    expect(routed.map((device) => device.name).sort()).toEqual(expect.arrayContaining(['routed-dahua', 'routed-hik']));
    const probeMatches = run.observations.filter((observation) => observation.source === 'wsdiscovery');
    expect(probeMatches.map((observation) => observation.ip).sort()).toEqual(routed.map((device) => device.ip).sort());
    for (const device of routed) {
      checkProbeMatch(probeMatches.find((item) => item.ip === device.ip), device);
      const onvif = run.observations.find((item) => item.source === 'onvif' && item.ip === device.ip);
      const anonymous = onvifSection(device).anonymousDeviceInformation;
      expect(onvif?.onvif?.deviceInformationAuth, device.name).toBe(anonymous ? 'none' : 'refused');
      if (!anonymous) expect(onvif?.onvif?.deviceInformation).toBeUndefined();
    }
    expectEndedWithItsWindow(run, LISTEN_WINDOW_MS);
  }, 60_000);

  it('still reaches the routed devices when the sweep first crosses a mostly empty directly attached /24', async () => {
    // Probes to absent neighbours wait in the kernel for ARP to fail (about 3 s) and fill their socket's send
    // buffer meanwhile; the routed probes sent after them must still leave before the channel closes.
    const channels = ['sadp', 'dhip', 'wsdiscovery', 'ssdp', 'mdns'];
    const run = await runChannel(lab, channels, { listenWindowMs: LISTEN_WINDOW_MS, cidrs: ['10.231.2.0/24', ROUTED_CIDR], interfaces: 'none', globalRatePerSecond: 4000, perHostRatePerSecond: 40 });
    // The router answers SSDP from its lan address whichever of its interfaces was asked: left out here.
    const router = lab.devices.find((device) => device.profile.role === 'router')?.ip;
    for (const channel of channels) {
      const answering = lab.devicesWith(channel, ['lan2', 'routed']).map((device) => device.ip).sort();
      const seen = [...new Set(run.observations.filter((observation) => observation.source === channel && observation.ip !== router).map((observation) => observation.ip))].sort();
      expect(seen, channel).toEqual(answering);
    }
    expect(run.observations.some((observation) => observation.source === 'wsdiscovery' && observation.ip.startsWith('10.231.20.'))).toBe(true);
  }, 60_000);

  it('runs SADP, DHIP and WS-Discovery at once: multicast in about one listen window, a routed sweep adds its paced send time', async () => {
    const expected = (protocol: string, segments: LabDevice['segment'][]) => lab.devicesWith(protocol, segments).map((device) => device.ip).sort();
    const seen = (run: { observations: Observation[] }, source: string) =>
      run.observations.filter((observation) => observation.source === source).map((observation) => observation.ip).sort();

    const multicast = await runChannel(lab, ['sadp', 'dhip', 'wsdiscovery'], { listenWindowMs: LISTEN_WINDOW_MS });
    for (const protocol of ['sadp', 'dhip', 'wsdiscovery']) expect(seen(multicast, protocol), protocol).toEqual(expected(protocol, ['lan', 'lan2']));
    // The three channels overlap instead of adding up (one after another they would take three windows).
    expectEndedWithItsWindow(multicast, LISTEN_WINDOW_MS);

    const everything = await runChannel(lab, ['sadp', 'dhip', 'wsdiscovery'], { listenWindowMs: LISTEN_WINDOW_MS, cidrs: [ROUTED_CIDR], globalRatePerSecond: 1000 });
    for (const protocol of ['sadp', 'dhip', 'wsdiscovery']) expect(seen(everything, protocol), protocol).toEqual(expected(protocol, ['lan', 'lan2', 'routed']));
    // 254 addresses × (1 SADP + 1 DHIP + 2 WS-Discovery probes) at 1000 datagrams/s take ~1 s before the window starts.
    const sweepMs = ((254 * 4) / 1000) * 1000;
    expect(everything.durationMs).toBeLessThan(LISTEN_WINDOW_MS + sweepMs + 1000);
  }, 60_000);
});
