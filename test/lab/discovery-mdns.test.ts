// The mDNS channel end to end in the lab: browse queries on both scanner interfaces (lan and lan2) in one run against
// emulated devices that announce services (a Hikvision camera's _CGI._tcp, Axis cameras' _axis-video._tcp on both
// segments, a printer's four types, one of which only the _services._dns-sd._udp meta-query reveals) and devices that
// announce nothing (Dahua, the router). What each device should yield is read from its profile, not written here.
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/model.js';
import { MDNS_BROWSE_TYPES } from '../../src/discovery/mdns/probe.js';
import { parseMdnsConfig } from './device/responders/mdns.js';
import { renderTemplate } from './device/responder.js';
import { expectEndedWithItsWindow, lan2AxisProfile, LISTEN_WINDOW_MS, MULTICAST_SEGMENTS, profileSection, runChannels, useLab } from './harness/index.js';
import type { LabDevice } from './lab.js';
import { loadProfile } from './profile-loader.js';

const PROFILES = ['router', 'hik-ipc', 'axis-cam', 'dahua-ipc', 'printer'];
const lab = useLab('MDNS', { profiles: PROFILES, extraProfiles: [lan2AxisProfile(loadProfile('axis-cam'))], twoSegmentScanner: true });

interface ExpectedInstance {
  device: LabDevice;
  name: string;
  service: string;
  host: string;
  port: number;
  txt: Record<string, string>;
}

function expectedInstances(device: LabDevice): ExpectedInstance[] {
  const section = profileSection(device.profile, 'mdns', parseMdnsConfig);
  if (section === undefined) return [];
  const context = { profile: device.profile, ip: device.ip, mac: device.mac, log: () => undefined };
  return section.services.map((service) => ({
    device,
    name: renderTemplate(service.name, context),
    service: `_${service.type}._${service.protocol}.local`,
    host: renderTemplate(section.host, context),
    port: service.port,
    txt: Object.fromEntries(Object.entries(service.txt).map(([key, text]) => [key, renderTemplate(text, context)])),
  }));
}

describe.runIf(lab.enabled)('mdns channel in the lab', () => {
  it('finds exactly the announced instances on both segments in one run, each with its records parsed', async () => {
    const run = await runChannels(lab, { channels: ['mdns'], config: { listenWindowMs: LISTEN_WINDOW_MS } });
    const expected = lab.devices.flatMap(expectedInstances);
    expect(new Set(expected.map((instance) => instance.device.segment))).toEqual(new Set(['lan', 'lan2']));
    // A type outside the first-round browse list proves the second round (from _services._dns-sd._udp) ran.
    expect(expected.some((instance) => !(MDNS_BROWSE_TYPES as readonly string[]).includes(instance.service))).toBe(true);

    const key = (ip: string, service: string | undefined, name: string | undefined) => `${ip} ${String(service)} ${String(name)}`;
    expect(run.observations.map((observation) => key(observation.ip, observation.mdns?.service, observation.mdns?.name)).sort()).toEqual(
      expected.map((instance) => key(instance.device.ip, instance.service, instance.name)).sort(),
    );
    for (const instance of expected) {
      const observation: Observation | undefined = run.observations.find((item) => item.ip === instance.device.ip && item.mdns?.service === instance.service);
      expect(observation, `${instance.device.name} ${instance.service}`).toMatchObject({
        source: 'mdns',
        port: instance.port,
        transport: 'multicast',
        interface: lab.scannerInterfaceOf(instance.device),
        mdns: { name: instance.name, host: instance.host, port: instance.port, txt: instance.txt },
      });
      expect(observation?.mdns?.addresses).toContain(instance.device.ip);
    }
    expect([...run.interfaces].sort()).toEqual(['eth0', 'eth1']);
    expectEndedWithItsWindow(run, LISTEN_WINDOW_MS);
  }, 60_000);

  it('runs together with SSDP and the pair still ends in about one listen window', async () => {
    const run = await runChannels(lab, { channels: ['ssdp', 'mdns'], config: { listenWindowMs: LISTEN_WINDOW_MS } });
    const sources = new Set(run.observations.map((observation) => observation.source));
    expect(sources).toEqual(new Set(['ssdp', 'mdns']));
    const ssdpAnswerers = lab.devicesWith('ssdp', MULTICAST_SEGMENTS);
    expect(run.observations.filter((observation) => observation.source === 'ssdp').map((observation) => observation.ip).sort()).toEqual(
      ssdpAnswerers.map((device) => device.ip).sort(),
    );
    expect(run.observations.filter((observation) => observation.source === 'mdns')).toHaveLength(lab.devices.flatMap(expectedInstances).length);
    expectEndedWithItsWindow(run, LISTEN_WINDOW_MS);
  }, 60_000);
});
