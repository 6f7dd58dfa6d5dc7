// A large first import (5,000 devices, the way `camaudit import` sends it: batches through ingestBatch) merged into
// devices, checked against the devices the test itself built the observations from: the expected list is written
// down as the observations are made, not computed by the inventory's grouping. The scan is merged both whole and in
// parts of a few hundred observations (merge-parts.ts), which must not change a single device.
import { afterEach, describe, expect, it } from 'vitest';
import type { Observation } from '../../src/model.js';
import type { ObservationInput } from '../../src/observation.js';
import { MAX_BATCH_OBSERVATIONS } from '../../src/inventory/index.js';
import { neighbour, observation, sadp, storeKinds, tempInventory, type StoreKind, type TempInventory } from './inventory-helpers.js';

const DEVICES = 5000;
const SITE = 'hq';

interface Expected {
  ip: string;
  mac: string | null;
  serial: string | null;
  vendor: string | null;
  covered: boolean;
  location: string | null;
  /** For a camera behind an NVR: the NVR's address and the channel; the NVR's device must be the one at that address. */
  via: { ip: string; channel: number } | null;
}

const macOf = (index: number, prefix = '44:19:b6'): string =>
  `${prefix}:${[(index >> 16) & 255, (index >> 8) & 255, index & 255].map((byte) => byte.toString(16).padStart(2, '0')).join(':')}`;
const ipOf = (index: number): string => `10.20.${index >> 8}.${index & 255}`;

/** The scan's observations and, written alongside, the device each set of them is. */
function buildScan(): { observations: Observation[]; expected: Expected[] } {
  const observations: Observation[] = [];
  const expected: Expected[] = [];
  const see = (input: ObservationInput): void => {
    observations.push(observation(input, SITE, 'import'));
  };
  for (let index = 0; index < DEVICES; index += 1) {
    const ip = ipOf(index);
    const mac = macOf(index);
    const serial = `SN${String(index).padStart(8, '0')}`;
    switch (index % 5) {
      case 0:
        // A web banner and the neighbour entry of its address: one device, which takes the entry's MAC.
        see({ source: 'http', ip, port: 80, http: { headers: { server: 'test' }, title: `cam ${index}` } });
        see(neighbour(ip, mac));
        expected.push({ ip, mac, serial: null, vendor: null, covered: false, location: null, via: null });
        break;
      case 1:
        // A Hikvision unit (SADP, with its serial) and its neighbour entry; it is also the NVR of device index + 3.
        see(sadp(ip, mac, serial, 'DS-7608NI-K2'));
        see(neighbour(ip, mac));
        expected.push({ ip, mac, serial, vendor: 'Hikvision', covered: true, location: null, via: null });
        break;
      case 2:
        // A Dahua unit known from DHIP alone: its MAC and serial come from the reply.
        see({ source: 'dhip', ip, dhip: { mac, SerialNo: serial, DeviceType: 'IPC-HDW2431T' } });
        expected.push({ ip, mac, serial, vendor: 'Dahua', covered: true, location: null, via: null });
        break;
      case 3: {
        // A switch table row (no address) and a DHCP lease of the same MAC: one device, located on the switch.
        const port = `Gi1/0/${index % 48}`;
        see({ source: 'switch', ip: '', mac, transport: 'table', switchPort: { switch: 'core-1', port, vlan: '20' } });
        see({ source: 'dhcp', ip, mac, transport: 'table', host: { hostname: `host-${index}` } });
        expected.push({ ip, mac, serial: null, vendor: null, covered: false, location: `seen on switch core-1 port ${port}, VLAN 20`, via: null });
        break;
      }
      default: {
        // A camera behind the NVR of device index - 3, on channel 1 or 2: every NVR puts its channel 1 at the same
        // internal address, so thousands of cameras share 192.168.254.2 and must stay apart.
        const nvr = ipOf(index - 3);
        const channel = 1 + ((index / 5) % 2 >= 1 ? 1 : 0);
        const internal = `192.168.254.${channel + 1}`;
        see({ source: 'isapi', ip: internal, isapi: { channel: { id: String(channel), ipAddress: internal, deviceTypeName: 'DS-2CD2143G2-I', serialNumber: serial } }, via: { ip: nvr, port: 80, channel } });
        expected.push({ ip: internal, mac: null, serial, vendor: null, covered: false, location: null, via: { ip: nvr, channel } });
      }
    }
  }
  // Two units in factory state at the same default address, told apart by their MACs.
  for (const index of [1, 2]) {
    const mac = macOf(index, 'c0:56:e3');
    see(sadp('192.0.0.64', mac, `DEFAULT${index}0000`, 'DS-2CD2043G0-I'));
    expected.push({ ip: '192.0.0.64', mac, serial: `DEFAULT${index}0000`, vendor: 'Hikvision', covered: true, location: null, via: null });
  }
  return { observations, expected };
}

function describeExpected(entry: Expected): string {
  return JSON.stringify(entry);
}

let temp: TempInventory | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

async function importScan(kind: StoreKind, mergePartObservations: number | undefined, observations: Observation[]) {
  temp = await tempInventory(kind, 'camaudit-bulk-', mergePartObservations === undefined ? {} : { mergePartObservations });
  const { inventory } = temp;
  const scan = { id: `bulk-${kind}-${mergePartObservations ?? 'whole'}`, startedAt: '2025-01-01T00:00:00.000Z', scope: { import: 'test' }, channels: ['import:jsonl'] };
  let result;
  for (let start = 0; start < observations.length; start += MAX_BATCH_OBSERVATIONS) {
    const batch = observations.slice(start, start + MAX_BATCH_OBSERVATIONS);
    const last = start + MAX_BATCH_OBSERVATIONS >= observations.length;
    result = await inventory.ingestBatch({ site: SITE, agent: 'import', scan, observations: batch, ...(last ? { finish: { status: 'finished' as const } } : {}) }, { idsComputedHere: true });
  }
  expect(result?.scanStatus).toBe('finished');
  return inventory;
}

describe.each(storeKinds('inventory-bulk'))('a first import of %s devices (%s store)'.replace('%s devices', String(DEVICES)), (kind) => {
  const { observations, expected } = buildScan();

  it.each([
    ['whole', undefined],
    ['in parts of 400 observations', 400],
  ] as const)('merged %s, yields exactly the devices the observations were made from', async (_label, parts) => {
    const inventory = await importScan(kind, parts, observations);
    const devices = await inventory.listAllDevices();
    const byId = new Map(devices.map((device) => [device.id, device]));
    const found: Expected[] = devices.map((device) => ({
      ip: device.ip,
      mac: device.mac,
      serial: device.serial,
      vendor: device.identification.vendor,
      covered: device.identification.covered,
      location: device.location,
      via: device.via ? { ip: device.via.ip, channel: device.via.channel } : null,
    }));
    expect(devices).toHaveLength(expected.length);
    expect(found.map(describeExpected).sort()).toEqual(expected.map(describeExpected).sort());
    // Every camera names its NVR's device: the one device at the NVR's address.
    for (const device of devices) {
      if (!device.via) continue;
      expect(device.via.deviceId).not.toBeNull();
      expect(byId.get(device.via.deviceId!)?.ip).toBe(device.via.ip);
    }
    const scan = (await inventory.listScans()).items[0]!;
    expect(scan.counts).toMatchObject({ observations: observations.length, devices: expected.length, newDevices: expected.length });
  }, 240_000);
});
