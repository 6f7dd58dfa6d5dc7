// The SADP channel end to end in the lab: the inquiry multicast on both scanner interfaces (lan and lan2) in one
// run, and by unicast to the routed segment, against every default profile. Which devices answer, and with what,
// is read from the profiles (their sadp sections), not written here.
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/model.js';
import { parseSadpConfig } from './device/responders/sadp.js';
import { expectEndedWithItsWindow, LISTEN_WINDOW_MS, MULTICAST_SEGMENTS, observationsOfExactly, requireSection, ROUTED_CIDR, runChannel, useLab } from './harness/index.js';
import type { LabDevice } from './lab.js';
import { loadProfile } from './profile-loader.js';
import type { DeviceProfile } from './profile.js';

/**
 * A Hikvision that sends its ProbeMatch to the group (239.255.255.250:37020) instead of to the prober, as
 * UniversalScanner's group listener suggests some firmware does (julienblitte/UniversalScanner,
 * UniversalScanner/Hikvision.cs): found only through the
 * scanner's socket joined to the group on the SADP port.
 */
function groupReplyProfile(): DeviceProfile {
  const base = loadProfile('hik-noonvif');
  const sadp = base.protocols.sadp as { fields: Record<string, string> };
  return {
    ...base,
    name: 'hik-groupreply',
    description: 'Hikvision DS-2CD2320D-I whose SADP reply goes to the multicast group',
    default: false,
    ip: '10.231.1.16',
    mac: '44:47:cc:37:5e:16',
    protocols: { sadp: { ...sadp, replyTo: 'group' } },
    sources: [...base.sources, { fact: 'SADP reply sent to the group', source: 'julienblitte/UniversalScanner UniversalScanner/Hikvision.cs listens on the group; which firmware replies there is not known' }],
  };
}

const lab = useLab('SADP', { twoSegmentScanner: true, extraProfiles: [groupReplyProfile()] });

describe.runIf(lab.enabled)('sadp channel in the lab', () => {
  function checkDevice(observation: Observation | undefined, device: LabDevice): void {
    expect(observation, device.name).toBeDefined();
    const identity = device.profile.identity;
    expect(observation).toMatchObject({ source: 'sadp', ip: device.ip, port: 37020, mac: device.mac });
    const sadp = observation?.sadp ?? {};
    // Every element the device sent, in its order (the echoed Uuid left out), typed fields parsed from it.
    expect(Object.keys(sadp)).toEqual(['Types', ...Object.keys(requireSection(device.profile, 'sadp', parseSadpConfig).fields)]);
    expect(sadp).toMatchObject({ Types: 'inquiry', DeviceDescription: String(identity.model), DeviceSN: String(identity.serial), MAC: device.mac.replace(/:/g, '-'), IPv4Address: device.ip, SoftwareVersion: String(identity.softwareVersion) });
    if (identity.httpPort !== undefined) expect(sadp.HttpPort).toBe(String(identity.httpPort));
    if (identity.oemInfo !== undefined) expect(sadp.OEMInfo).toBe(String(identity.oemInfo));
  }

  it('finds exactly the SADP devices of lan and lan2 in one multicast run on both interfaces', async () => {
    const run = await runChannel(lab, ['sadp'], { listenWindowMs: LISTEN_WINDOW_MS });
    const reachable = lab.devicesWith('sadp', MULTICAST_SEGMENTS);
    expect(reachable.map((device) => device.segment)).toEqual(expect.arrayContaining(['lan', 'lan2']));
    expect(reachable.map((device) => device.name)).toEqual(expect.arrayContaining(['hik-ipc', 'hik-noonvif', 'lts-ipc', 'lan2-hik', 'hik-groupreply']));
    for (const { device, observation } of observationsOfExactly(run, reachable)) {
      checkDevice(observation, device);
      expect(observation).toMatchObject({ transport: 'multicast', interface: lab.scannerInterfaceOf(device) });
    }
    // The OEM-branded unit carries its OEM fields; the Hikvision-branded newer firmware DetailOEMCode 1.
    expect(run.observations.find((item) => item.ip === lab.device('lts-ipc').ip)?.sadp).toMatchObject({ OEMInfo: 'LTS', DetailOEMCode: '2' });
    expect(run.observations.find((item) => item.ip === lab.device('hik-ipc').ip)?.sadp).toMatchObject({ DetailOEMCode: '1', HCPlatformEnable: 'flase' });
    expect(run.interfaces.sort()).toEqual(['eth0', 'eth1']);
    expectEndedWithItsWindow(run, LISTEN_WINDOW_MS);
  }, 60_000);

  it('finds the routed Hikvision by unicast inquiry, given its range, and nothing else there', async () => {
    const run = await runChannel(lab, ['sadp'], { listenWindowMs: LISTEN_WINDOW_MS, cidrs: [ROUTED_CIDR], interfaces: 'none' });
    const routed = lab.devicesWith('sadp', ['routed']);
    expect(routed.map((device) => device.name)).toContain('routed-hik');
    for (const { device, observation } of observationsOfExactly(run, routed)) {
      checkDevice(observation, device);
      expect(observation.transport).toBe('unicast');
    }
    expectEndedWithItsWindow(run, LISTEN_WINDOW_MS);
  }, 60_000);
});
