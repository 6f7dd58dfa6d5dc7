// Extra devices the SSDP and mDNS lab tests add to the default profiles (startLab's extraProfiles).
import type { DeviceProfile } from '../profile.js';

/**
 * A second Axis camera, on lan2, so a two-interface scan has an SSDP and an mDNS answerer on each segment. Its model,
 * instance name and MAC are those of the AXIS M2026-LE Mk II in the bluecrow.net capture (Axis OUI b8:a4:4f).
 */
export function lan2AxisProfile(axis: DeviceProfile): DeviceProfile {
  const copy = JSON.parse(JSON.stringify(axis)) as DeviceProfile;
  const mdns = copy.protocols.mdns as { host: string } | undefined;
  if (mdns) mdns.host = 'axis-b8a44f0a98a1.local';
  return {
    ...copy,
    name: 'lan2-axis',
    description: 'AXIS M2026-LE Mk II on lan2 (SSDP and mDNS lab tests)',
    default: false,
    segment: 'lan2',
    ip: '10.231.2.30',
    mac: 'b8:a4:4f:0a:98:a1',
    identity: { ...copy.identity, model: 'M2026-LE Mk II', serial: 'B8A44F0A98A1' },
    sources: [{ fact: 'AXIS M2026-LE Mk II - B8A44F0A98A1, MAC b8:a4:4f:0a:98:a1', source: 'bookstack.bluecrow.net "AXIS Cameras" capture [REAL]' }, ...copy.sources],
  };
}
