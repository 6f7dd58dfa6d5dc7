// The SSDP channel end to end in the lab: M-SEARCH on both scanner interfaces (lan and lan2) in one run, unicast to
// the routed segment, against emulated devices that answer (Axis, Dahua, the router, an Axis on lan2) and devices
// that do not (Hikvision, the printer). What each device should yield is read from its profile, not written here.
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/model.js';
import { parseSsdpConfig } from './device/responders/ssdp.js';
import { expectEndedWithItsWindow, lan2AxisProfile, LISTEN_WINDOW_MS, profileSection, ROUTED_CIDR, runChannels, useLab } from './harness/index.js';
import type { LabDevice } from './lab.js';
import { loadProfile } from './profile-loader.js';
import type { DeviceProfile } from './profile.js';

const PROFILES = ['router', 'axis-cam', 'dahua-ipc', 'hik-ipc', 'printer', 'routed-dahua'];
const lab = useLab('SSDP', { profiles: PROFILES, extraProfiles: [lan2AxisProfile(loadProfile('axis-cam'))], twoSegmentScanner: true });

const ssdpSection = (profile: DeviceProfile) => profileSection(profile, 'ssdp', parseSsdpConfig);
const headerOf = (profile: DeviceProfile, name: string) => ssdpSection(profile)?.headers.find(([header]) => header.toLowerCase() === name)?.[1];

describe.runIf(lab.enabled)('ssdp channel in the lab', () => {
  function checkDevice(observation: Observation | undefined, device: LabDevice): void {
    const profile = device.profile;
    expect(observation, device.name).toBeDefined();
    expect(observation?.ssdp?.headers.server).toBe(headerOf(profile, 'server'));
    expect(observation?.ssdp?.headers.location).toMatch(new RegExp(`^http://${device.ip.replace(/\./g, '\\.')}:\\d+/`));
    expect(observation?.ssdp?.headers.usn).toMatch(/^uuid:/);
    // The volatile DATE header is kept out of the observation (its id must not change between scans).
    expect(observation?.ssdp?.headers.date).toBeUndefined();
    const description = observation?.ssdp?.description;
    expect(description?.UDN, device.name).toBe(observation?.ssdp?.headers.usn?.split('::')[0]);
    if (profile.identity.vendor === 'Axis') {
      expect(description).toMatchObject({ manufacturer: 'AXIS', modelName: `AXIS ${String(profile.identity.model)}`, serialNumber: String(profile.identity.serial) });
    }
    if (profile.role === 'router') expect(description?.deviceType).toBe('urn:schemas-upnp-org:device:InternetGatewayDevice:1');
    if (profile.identity.vendor === 'Dahua') expect(description?.UDN).toBe(`uuid:www.dahuatech.com.device_3_0-${String(profile.identity.serial)}`);
  }

  it('finds exactly the devices that answer SSDP on both segments in one multicast run, with fields parsed', async () => {
    const run = await runChannels(lab, { channels: ['ssdp'], config: { listenWindowMs: LISTEN_WINDOW_MS } });
    const multicastReachable = lab.devices.filter((device) => ssdpSection(device.profile) !== undefined && device.segment !== 'routed');
    expect(multicastReachable.map((device) => device.segment)).toEqual(expect.arrayContaining(['lan', 'lan2']));
    expect(run.observations.map((observation) => observation.ip).sort()).toEqual(multicastReachable.map((device) => device.ip).sort());
    for (const device of multicastReachable) {
      const observation = run.observations.find((item) => item.ip === device.ip);
      checkDevice(observation, device);
      expect(observation).toMatchObject({ source: 'ssdp', port: 1900, transport: 'multicast', interface: lab.scannerInterfaceOf(device) });
    }
    expect([...run.interfaces].sort()).toEqual(['eth0', 'eth1']);
    expectEndedWithItsWindow(run, LISTEN_WINDOW_MS);
  }, 60_000);

  it('reaches the routed segment by unicast M-SEARCH and still fetches only from the responder', async () => {
    const run = await runChannels(lab, { channels: ['ssdp'], config: { listenWindowMs: LISTEN_WINDOW_MS }, cidrs: [ROUTED_CIDR] });
    const routed = lab.devices.filter((device) => device.segment === 'routed');
    const answering = routed.filter((device) => ssdpSection(device.profile) !== undefined);
    expect(answering.length).toBeGreaterThan(0);
    for (const device of answering) {
      const observation = run.observations.find((item) => item.ip === device.ip);
      checkDevice(observation, device);
      expect(observation?.transport).toBe('unicast');
    }
  }, 60_000);
});
