// End to end: the real CLI (dist/, as a user runs it) scans the default lab from the scanner namespace, with the
// lab's three ranges, and every emulated device must come out with the vendor, brand, covered flag and class its
// profile expects. What each device is comes from the profiles' `expect` blocks, not from this file.
// Then the inventory is served by the real `camaudit serve` and read over HTTP, and exported.
import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Device, Observation } from '../../src/model.js';
import { LAN_ONVIF_LOGIN, useLab } from './harness/index.js';

const lab = useLab('END-TO-END', { cli: true });

describe.runIf(lab.enabled)('camaudit scan of the emulated LAN', () => {
  let database: string;
  let devices: Device[];
  let scanStdErr = '';
  let scanSeconds = 0;

  beforeAll(async () => {
    database = lab.workPath('inventory.sqlite');
    const credentials = lab.workPath('onvif-logins.json');
    writeFileSync(credentials, JSON.stringify([LAN_ONVIF_LOGIN]), { mode: 0o600 });
    const ranges = lab.segments.map((segment) => segment.cidr);
    const started = performance.now();
    const args = ['scan', ...ranges.flatMap((range) => ['--cidr', range]), '--db', database, '--credentials', credentials, '--json'];
    const result = await lab.runCamaudit(args, { timeoutMs: 120_000 });
    scanSeconds = (performance.now() - started) / 1000;
    scanStdErr = result.stderr;
    if (result.code !== 0) throw new Error(`scan exited ${result.code}: ${result.stderr}`);
    devices = JSON.parse(result.stdout) as Device[];
  });

  it('finds every emulated device, the routed ones included, with the expected verdict', () => {
    process.stderr.write(`e2e: full scan of ${lab.segments.map((segment) => segment.cidr).join(', ')} took ${scanSeconds.toFixed(1)} s\n`);
    for (const labDevice of lab.devices) {
      const expected = labDevice.profile.expect;
      const found = devices.find((device) => device.ip === labDevice.ip || device.addresses.includes(labDevice.ip));
      expect(found, `${labDevice.name} (${labDevice.ip}) not found`).toBeDefined();
      const identification = found!.identification;
      const label = `${labDevice.name}: ${JSON.stringify({ vendor: identification.vendor, brand: identification.brand, covered: identification.covered, deviceClass: identification.deviceClass })}`;
      expect(identification.vendor, label).toBe(expected.vendor);
      expect(identification.brand?.toLowerCase() ?? null, label).toBe(expected.brand?.toLowerCase() ?? null);
      expect(identification.covered, label).toBe(expected.covered);
      if (expected.covered) expect(identification.coveredReason, label).toBeTruthy();
      if (!expected.isCamera) expect(identification.deviceClass, label).not.toBe('camera');
      if (expected.isCamera) expect(identification.deviceClass, label).toBe('camera');
      expect(identification.evidence.length, label).toBeGreaterThan(0);
    }
  });

  it('gives directly attached devices their real MAC, and routed devices the MAC their own protocol reports', () => {
    for (const labDevice of lab.devices) {
      if (labDevice.profile.role === 'router') continue;
      const found = devices.find((device) => device.ip === labDevice.ip);
      const reportsMac = labDevice.segment !== 'routed' || 'sadp' in labDevice.profile.protocols || 'dhip' in labDevice.profile.protocols;
      if (reportsMac) expect(found?.mac, labDevice.name).toBe(labDevice.mac);
    }
  });

  it('backs covered verdicts with evidence from more than one channel', () => {
    for (const device of devices.filter((entry) => entry.identification.covered)) {
      const sources = new Set(device.identification.evidence.map((evidence) => evidence.source));
      expect(sources.size, `${device.ip}: ${[...sources].join(',')}`).toBeGreaterThanOrEqual(2);
      for (const evidence of device.identification.evidence) {
        expect(evidence.ruleId).toBeTruthy();
        expect(evidence.field).toBeTruthy();
      }
    }
  });

  it('reports nothing outside the lab ranges, and no device twice', () => {
    const ranges = ['10.231.1.', '10.231.2.', '10.231.20.'];
    for (const device of devices) expect(ranges.some((prefix) => device.ip.startsWith(prefix)), device.ip).toBe(true);
    const ips = devices.map((device) => device.ip);
    expect(new Set(ips).size).toBe(ips.length);
    expect(scanStdErr).toContain('finished');
    // The lab runs no other scanner: a probe "from another scanner" would be our own, heard back.
    expect(scanStdErr).not.toMatch(/another scanner/);
  });

  it('uses the configured ONVIF login inside its range only, and never logs the password', () => {
    const store = new Database(database, { readonly: true });
    try {
      const rows = store.prepare("SELECT raw FROM observations WHERE source = 'onvif'").all() as { raw: string }[];
      const onvif = rows.map((row) => JSON.parse(row.raw) as Observation);
      let checked = 0;
      for (const labDevice of lab.devices) {
        const section = labDevice.profile.protocols.onvif as { anonymousDeviceInformation?: boolean } | undefined;
        if (section === undefined) continue;
        const observation = onvif.find((entry) => entry.ip === labDevice.ip);
        const expected = section.anonymousDeviceInformation === true ? 'none' : labDevice.ip.startsWith('10.231.1.') ? 'configured' : 'refused';
        expect(observation?.onvif?.deviceInformationAuth, labDevice.name).toBe(expected);
        expect(observation?.onvif?.deviceInformation !== undefined, labDevice.name).toBe(expected !== 'refused');
        checked += 1;
      }
      expect(checked).toBeGreaterThanOrEqual(5);
    } finally {
      store.close();
    }
    expect(scanStdErr).toContain('credentials: ONVIF logins for 10.231.1.0/24');
    expect(scanStdErr).not.toContain(LAN_ONVIF_LOGIN.password);
  });

  it('serves the inventory over REST and exports it', async () => {
    // The server runs in the scanner namespace too, on its loopback: the test reads it through a client there.
    const server = lab.spawnCamaudit(['serve', '--db', database, '--port', '7399']);
    try {
      const fetchScript = `
        const url = process.argv[1];
        for (let i = 0; i < 100; i++) {
          try { const r = await fetch(url); process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1); }
          catch { await new Promise((r) => setTimeout(r, 100)); }
        }
        process.exit(2);`;
      const get = (path: string) => lab.runInScanner([process.execPath, '--input-type=module', '-e', fetchScript, `http://127.0.0.1:7399${path}`], { timeoutMs: 20_000 });
      const health = await get('/health');
      expect(health.code, health.stderr).toBe(0);
      const listed = await get('/devices?covered=true&limit=100');
      expect(listed.code, listed.stderr).toBe(0);
      const page = JSON.parse(listed.stdout) as { items: Device[]; total: number };
      const coveredInLab = lab.devices.filter((device) => device.profile.expect.covered).length;
      expect(page.total).toBe(coveredInLab);
      expect(page.items.every((device) => device.identification.covered)).toBe(true);
      const detail = await get(`/devices/${page.items[0]!.id}`);
      expect(JSON.parse(detail.stdout)).toHaveProperty('device.identification.evidence');
    } finally {
      server.kill('SIGTERM');
    }
    const csvPath = lab.workPath('export.csv');
    const exported = await lab.runCamaudit(['export', '--format', 'csv', '--db', database, '--out', csvPath]);
    expect(exported.code, exported.stderr).toBe(0);
    const csv = readFileSync(csvPath, 'utf8');
    for (const labDevice of lab.devices.filter((device) => device.profile.role !== 'router')) expect(csv).toContain(labDevice.ip);
  });
});
