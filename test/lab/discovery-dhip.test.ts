// The DHIP channel end to end in the lab: DHDiscover.search multicast on both scanner interfaces in one run, and by
// unicast to the routed segment, against every default profile. Which devices answer, and with what, is read from
// the profiles (their dhip sections), not written here.
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/model.js';
import { parseDhipConfig } from './device/responders/dhip.js';
import { expectEndedWithItsWindow, LISTEN_WINDOW_MS, MULTICAST_SEGMENTS, observationsOfExactly, requireSection, ROUTED_CIDR, runChannel, useLab } from './harness/index.js';
import type { LabDevice } from './lab.js';

const lab = useLab('DHIP', { twoSegmentScanner: true });

describe.runIf(lab.enabled)('dhip channel in the lab', () => {
  function checkDevice(observation: Observation | undefined, device: LabDevice): void {
    expect(observation, device.name).toBeDefined();
    const identity = device.profile.identity;
    const section = requireSection(device.profile, 'dhip', parseDhipConfig);
    expect(observation).toMatchObject({ source: 'dhip', ip: device.ip, port: 37810, mac: device.mac });
    const dhip = observation?.dhip ?? {};
    // The top-level mac and every deviceInfo field, nested objects kept.
    expect(Object.keys(dhip).sort()).toEqual(['mac', ...Object.keys(section.deviceInfo)].sort());
    expect(dhip).toMatchObject({
      mac: device.mac,
      DeviceType: String(identity.model),
      SerialNo: String(identity.serial),
      Vendor: String(identity.dhipVendor),
      Manufacturer: String(identity.manufacturer),
      Version: String(identity.firmware),
      DeviceClass: String(identity.deviceClass),
      HttpPort: 80,
      Port: 37777,
      IPv4Address: { IPAddress: device.ip, DhcpEnable: false, SubnetMask: '255.255.255.0' },
    });
  }

  it('finds exactly the DHIP devices reachable by multicast, on both interfaces in one run', async () => {
    const run = await runChannel(lab, ['dhip'], { listenWindowMs: LISTEN_WINDOW_MS });
    const reachable = lab.devicesWith('dhip', MULTICAST_SEGMENTS);
    expect(reachable.map((device) => device.name)).toContain('dahua-ipc');
    for (const { device, observation } of observationsOfExactly(run, reachable)) {
      checkDevice(observation, device);
      expect(observation).toMatchObject({ transport: 'multicast', interface: lab.scannerInterfaceOf(device) });
    }
    expect(run.interfaces.sort()).toEqual(['eth0', 'eth1']);
    expectEndedWithItsWindow(run, LISTEN_WINDOW_MS);
  }, 60_000);

  it('finds the routed Dahua by unicast search, given its range (spaced JSON with escaped slashes parsed)', async () => {
    const run = await runChannel(lab, ['dhip'], { listenWindowMs: LISTEN_WINDOW_MS, cidrs: [ROUTED_CIDR], interfaces: 'none' });
    const routed = lab.devicesWith('dhip', ['routed']);
    expect(routed.map((device) => device.name)).toContain('routed-dahua');
    for (const { device, observation } of observationsOfExactly(run, routed)) {
      checkDevice(observation, device);
      expect(observation.transport).toBe('unicast');
      expect((observation.dhip?.IPv6Address as Record<string, unknown> | undefined)?.LinkLocalAddress).toMatch(/^fe80::.*\/64$/);
    }
    expectEndedWithItsWindow(run, LISTEN_WINDOW_MS);
  }, 60_000);
});
