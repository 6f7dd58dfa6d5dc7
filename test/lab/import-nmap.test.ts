// Real nmap (Debian's package, installed by .ci/run) scans the lab from INSIDE the scanner namespace, against the
// lab's device addresses only, and writes -oX; the real CLI imports that XML into a fresh inventory. Every covered
// device nmap saw (an open port, or its MAC) must come out identified with its profile's vendor and covered.
// One nmap per device, all at once: service detection (-sV, which keeps the raw replies of services it does not
// know) waits several seconds per port, and one run over every host took over a minute.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLab } from './harness/index.js';

const lab = useLab('NMAP IMPORT', { cli: true });
const nmapInstalled = spawnSync('nmap', ['--version'], { encoding: 'utf8' }).status === 0;

describe.runIf(lab.enabled)('camaudit import of real nmap XML from the lab', () => {
  let database: string;
  const xmlFiles: string[] = [];

  beforeAll(async () => {
    if (!nmapInstalled) throw new Error('nmap is not installed: apt-get install nmap (.ci/run does)');
    database = lab.workPath('inventory.sqlite');
    const runs = lab.devices.map(async (device) => {
      const xml = lab.workPath(`${device.name}.xml`);
      xmlFiles.push(xml);
      // Only this lab address; few ports, one retry, bounded per host and per script.
      const argv = ['nmap', '-oX', xml, '-n', '-Pn', '-T4', '--max-retries', '1', '--host-timeout', '90s', '--script-timeout', '20s', '-sV', '--version-intensity', '0', '-p', 'T:80,443,554', '--script', 'http-server-header,ssl-cert,rtsp-methods', device.ip];
      const result = await lab.runInScanner(argv, { timeoutMs: 120_000 });
      if (result.code !== 0) throw new Error(`nmap for ${device.name} exited ${result.code}: ${result.stderr}`);
    });
    await Promise.all(runs);
    for (const xml of xmlFiles) {
      const imported = await lab.camaudit(['import', xml, '--db', database, '--site', 'lab'], { timeoutMs: 60_000 });
      expect(imported).toMatch(/\(nmap-xml\): \d+ observations read/);
    }
  }, 240_000);

  it('identifies every covered device nmap saw, with the right vendor', () => {
    const db = new Database(database, { readonly: true });
    try {
      let coveredSeen = 0;
      for (const device of lab.devices) {
        const xml = readFileSync(xmlFiles.find((file) => file.endsWith(`/${device.name}.xml`))!, 'utf8');
        const saw = /<state state="open"/.test(xml) || /addrtype="mac"/.test(xml);
        if (!saw || !device.profile.expect.covered) continue;
        coveredSeen += 1;
        const row = db.prepare("SELECT vendor, covered, sources FROM devices WHERE ip = ? AND site = 'lab'").get(device.ip) as { vendor: string | null; covered: number; sources: string } | undefined;
        expect(row, `${device.name} (${device.ip}) not in the inventory`).toBeDefined();
        expect([row!.vendor, row!.covered], device.name).toEqual([device.profile.expect.vendor, 1]);
        expect(JSON.parse(row!.sources), device.name).toEqual(['nmap']);
      }
      // The default lab has covered devices on both directly attached segments and behind the router.
      expect(coveredSeen).toBeGreaterThanOrEqual(8);
    } finally {
      db.close();
    }
  });

  it('keeps nmap MAC vendor and services as evidence, and does not call the non-covered devices covered', () => {
    const db = new Database(database, { readonly: true });
    try {
      for (const device of lab.devices.filter((entry) => !entry.profile.expect.covered)) {
        const row = db.prepare('SELECT covered FROM devices WHERE ip = ?').get(device.ip) as { covered: number } | undefined;
        if (row) expect(row.covered, device.name).toBe(0);
      }
      const raws = (db.prepare("SELECT raw FROM observations WHERE source = 'nmap'").all() as { raw: string }[]).map((row) => JSON.parse(row.raw) as { host?: { macVendor?: string }; service?: { name?: string } });
      expect(raws.some((raw) => raw.host?.macVendor?.includes('Hikvision'))).toBe(true);
      expect(raws.some((raw) => raw.service?.name === 'rtsp')).toBe(true);
    } finally {
      db.close();
    }
  });
});
