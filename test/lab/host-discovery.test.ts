// Host discovery end to end: the real CLI scans a lab holding every profile (the default devices, the extra ones and
// the hostile ones), whose routed segment silently drops probes to absent addresses (drop-absent.ts), once with host
// discovery and once with --no-host-discovery. Both must find the same devices with the same identifications; the
// scan record must say how many addresses were alive and how many probes each phase sent; and the first scan must
// send far fewer probes. Also checked: the drop profile really drops (a connect to an absent routed address times out
// instead of being refused), so the routed liveness probes are tested against silence, not quick refusals.
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '../../src/model.js';
import { dropAbsentRouted } from './drop-absent.js';
import { useLab } from './harness/index.js';
import type { Lab } from './lab.js';
import { loadAllProfiles } from './profile-loader.js';

const lab = useLab('HOST DISCOVERY', { cli: true, profiles: loadAllProfiles().map((profile) => profile.name), startTimeoutMs: 240_000 });

interface ScanResult {
  devices: Device[];
  counts: Record<string, unknown>;
  seconds: number;
}

/**
 * What must not differ between the two scans: for each healthy lab device, the identification of the device that
 * holds its address; for every lab device, hostile ones included, whether it was found at all (what a hostile
 * device claims to be is its own to vary).
 */
function identities(devices: readonly Device[], lab: Lab): Record<string, unknown> {
  const byIp: Record<string, unknown> = {};
  for (const labDevice of lab.devices) {
    const found = devices.find((device) => device.ip === labDevice.ip || device.addresses.includes(labDevice.ip));
    if (found === undefined || labDevice.name.startsWith('hostile-')) {
      byIp[labDevice.ip] = found !== undefined;
      continue;
    }
    const { vendor, brand, model, covered, deviceClass } = found.identification;
    byIp[labDevice.ip] = { vendor, brand, model, covered, deviceClass, mac: found.mac };
  }
  return byIp;
}

describe.runIf(lab.enabled)('host discovery against --no-host-discovery, every lab profile, routed drops', () => {
  let withDiscovery: ScanResult;
  let fullSet: ScanResult;
  let droppedAddresses = 0;

  const scan = async (name: string, extra: string[]): Promise<ScanResult> => {
    const database = lab.workPath(`${name}.sqlite`);
    const ranges = lab.segments.flatMap((segment) => ['--cidr', segment.cidr]);
    const started = performance.now();
    const result = await lab.runCamaudit(['scan', ...ranges, '--db', database, '--json', ...extra], { timeoutMs: 240_000 });
    if (result.code !== 0) throw new Error(`scan ${name} exited ${result.code}: ${result.stderr.slice(-2000)}`);
    const db = new Database(database, { readonly: true });
    const row = db.prepare('SELECT counts FROM scans ORDER BY started_at DESC LIMIT 1').get() as { counts: string };
    db.close();
    return { devices: JSON.parse(result.stdout) as Device[], counts: JSON.parse(row.counts) as Record<string, unknown>, seconds: (performance.now() - started) / 1000 };
  };

  beforeAll(async () => {
    droppedAddresses = await dropAbsentRouted(lab);
    withDiscovery = await scan('hosts', []);
    fullSet = await scan('full', ['--no-host-discovery']);
    process.stderr.write(
      `host-discovery: ${lab.devices.length} lab devices; with host discovery ${withDiscovery.seconds.toFixed(1)} s, ` +
        `${JSON.stringify(withDiscovery.counts.probes)}; --no-host-discovery ${fullSet.seconds.toFixed(1)} s, ${JSON.stringify(fullSet.counts.probes)}\n`,
    );
  }, 600_000);

  it('the drop profile drops: a connect to an absent routed address gets no answer at all', async () => {
    expect(droppedAddresses).toBeGreaterThan(200);
    const probe =
      "const s=require('net').connect(80,'10.231.20.99');const t=setTimeout(()=>{console.log('silent');process.exit(0)},1500);" +
      "s.on('error',(e)=>{clearTimeout(t);console.log(e.code);process.exit(0)});s.on('connect',()=>{clearTimeout(t);console.log('open');process.exit(0)});";
    const result = await lab.runInScanner([process.execPath, '-e', probe], { timeoutMs: 10_000 });
    expect(result.stdout.trim()).toBe('silent');
  });

  it('finds the same devices with the same identifications as the full probe set', () => {
    expect(withDiscovery.devices.length).toBeGreaterThan(0);
    expect(identities(withDiscovery.devices, lab)).toEqual(identities(fullSet.devices, lab));
    // The routed devices behind the dropping router are among them.
    for (const labDevice of lab.devices.filter((device) => device.segment === 'routed')) {
      expect(withDiscovery.devices.some((device) => device.ip === labDevice.ip || device.addresses.includes(labDevice.ip)), `${labDevice.name} (${labDevice.ip})`).toBe(true);
    }
  });

  it('records how many addresses were alive and how many probes each phase sent', () => {
    const hosts = withDiscovery.counts.hostDiscovery as { addresses: number; alive: number; probes: number };
    const probes = withDiscovery.counts.probes as { hostDiscovery: number; fullSet: number; total: number };
    // Every lab device is alive, and little else is: the router's legs and the scanner's own addresses at most.
    expect(hosts.alive).toBeGreaterThanOrEqual(lab.devices.length);
    expect(hosts.alive).toBeLessThanOrEqual(lab.devices.length + 4);
    expect(withDiscovery.counts.aliveAddresses).toBe(hosts.alive);
    expect(probes.hostDiscovery).toBe(hosts.probes);
    expect(probes.total).toBe(probes.hostDiscovery + probes.fullSet);
    // One probe per attached address, two per routed one: at most 1.5 per address over the lab's three /24.
    expect(hosts.probes / hosts.addresses).toBeLessThanOrEqual(1.5);
    expect(fullSet.counts.hostDiscovery).toBe(false);
    const full = fullSet.counts.probes as { hostDiscovery: number; total: number };
    expect(full.hostDiscovery).toBe(0);
    expect(probes.total * 3).toBeLessThan(full.total);
  });
});
