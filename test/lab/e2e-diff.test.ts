// Inventory over time, end to end with the real CLI: two scans of the lab with one device added, one removed and
// one re-addressed between them give the right diff; the re-addressed device stays one device; a device marked
// replaced that shows up again is flagged.
import { describe, expect, it } from 'vitest';
import type { ScanDiff } from '../../src/inventory/index.js';
import type { Device } from '../../src/model.js';
import { LAN_CIDR, LISTEN_WINDOW_MS, useLab } from './harness/index.js';
import { loadProfile } from './profile-loader.js';

const NEW_HILOOK_IP = '10.231.1.113';
const lab = useLab('INVENTORY DIFF', { cli: true, profiles: ['hik-ipc', 'dahua-ipc', 'axis-cam', 'hilook-ipc'], twoSegmentScanner: false });

describe.runIf(lab.enabled)('two scans with devices added, removed and re-addressed', () => {
  const cli = (args: string[]): Promise<string> => lab.camaudit([...args, '--db', lab.workPath('inventory.sqlite')], { timeoutMs: 120_000 });
  const scan = async (): Promise<Device[]> =>
    JSON.parse(await cli(['scan', '--cidr', LAN_CIDR, '--no-multicast', '--json', '--listen-window', String(LISTEN_WINDOW_MS)])) as Device[];

  it('reports new, gone and changed devices and keeps a re-addressed device as one', async () => {
    const first = await scan();
    const hilookBefore = first.find((device) => device.ip === '10.231.1.13');
    const dahua = first.find((device) => device.ip === '10.231.1.20');
    expect(hilookBefore?.identification.brand).toBe('HiLook');
    expect(dahua?.identification.vendor).toBe('Dahua');
    // The user records that the Dahua was replaced; it will still answer in the next scan.
    await cli(['device', dahua!.id, '--status', 'replaced']);

    const hilook = loadProfile('hilook-ipc');
    await lab.removeDevice('axis-cam');
    await lab.removeDevice('hilook-ipc');
    await lab.addDevice({ ...hilook, name: 'hilook-moved', ip: NEW_HILOOK_IP });
    await lab.addDevice(loadProfile('hik-nvr'));

    const second = await scan();
    const diff = JSON.parse(await cli(['diff', '--json'])) as ScanDiff;
    expect(diff.new.map((entry) => entry.ip)).toEqual(['10.231.1.11']);
    expect(diff.gone.map((entry) => entry.ip)).toEqual(['10.231.1.30']);
    const moved = diff.changed.find((entry) => entry.deviceId === hilookBefore!.id);
    expect(moved?.changes).toContainEqual({ field: 'address', before: '10.231.1.13', after: NEW_HILOOK_IP });

    const hilookAfter = second.find((device) => device.ip === NEW_HILOOK_IP);
    expect(hilookAfter?.id).toBe(hilookBefore!.id);
    expect(hilookAfter?.addresses).toEqual(expect.arrayContaining(['10.231.1.13', NEW_HILOOK_IP]));
    const everyDevice = JSON.parse(await cli(['devices', '--json'])) as Device[];
    expect(everyDevice.filter((device) => device.mac === hilook.mac)).toHaveLength(1);

    const alerted = JSON.parse(await cli(['devices', '--json', '--alerts'])) as (Device & { alert: string | null })[];
    expect(alerted.map((device) => device.id)).toEqual([dahua!.id]);
    expect(alerted[0]?.alert).toBeTruthy();
  });
});
