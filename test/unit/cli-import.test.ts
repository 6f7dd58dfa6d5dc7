// `camaudit import` as a user runs it: the built CLI, a real file, a real SQLite inventory.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const CLI = resolve('dist/src/cli/main.js');
let directory: string;
let database: string;

function run(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  const result = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function devices(): { mac: string | null; ip: string; vendor: string | null; brand: string | null; covered: number; location: string | null; sources: string }[] {
  const db = new Database(database, { readonly: true });
  try {
    return db.prepare('SELECT mac, ip, vendor, brand, covered, location, sources FROM devices ORDER BY mac').all() as ReturnType<typeof devices>;
  } finally {
    db.close();
  }
}

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'camaudit-import-'));
  database = join(directory, 'inventory.sqlite');
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

interface OuiEntry {
  prefix: string;
  vendor?: string;
  brand?: string;
}

describe('camaudit import', () => {
  it('marks every Hikvision, Ezviz and Dahua OUI as covered from a MAC-only switch table, with where to find each', () => {
    const entries = (JSON.parse(readFileSync('fingerprints/oui.generated.json', 'utf8')) as { entries: OuiEntry[] }).entries.filter((entry) => entry.vendor === 'Hikvision' || entry.vendor === 'Dahua');
    expect(entries.some((entry) => entry.brand === 'Ezviz')).toBe(true);
    // One MAC inside each block (a /24, /28 or /36 prefix, padded), in Cisco IOS `show mac address-table` layout.
    const rows = entries.map((entry, index) => {
      const hex = `${entry.prefix}${'0'.repeat(11 - entry.prefix.length)}1`.toLowerCase();
      return `  ${10 + (index % 3)}    ${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8, 12)}    DYNAMIC     Gi1/0/${index + 1}`;
    });
    const table = ['CAM-SW1#show mac address-table', '          Mac Address Table', '-------------------------------------------', '', 'Vlan    Mac Address       Type        Ports', '----    -----------       --------    -----', ...rows, `Total Mac Addresses for this criterion: ${rows.length}`].join('\n');
    const file = join(directory, 'cam-sw1.txt');
    writeFileSync(file, table);
    const result = run(['import', file, '--db', database]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`(switch-mac-table): ${entries.length} observations read (${entries.length} distinct), ${entries.length} devices (${entries.length} new, ${entries.length} covered)`);
    const found = devices();
    expect(found).toHaveLength(entries.length);
    for (const device of found) {
      expect(device.covered, device.mac ?? '').toBe(1);
      expect(['Hikvision', 'Dahua']).toContain(device.vendor);
      expect(device.ip).toBe('');
      expect(device.location).toMatch(/^seen on switch CAM-SW1 port Gi1\/0\/\d+, VLAN 1[0-2]$/);
      expect(JSON.parse(device.sources)).toEqual(['switch']);
    }
    expect(found.filter((device) => device.brand === 'Ezviz').length).toBe(entries.filter((entry) => entry.brand === 'Ezviz').length);
  });

  it('joins a DHCP lease and a switch table row of the same MAC into one device, and keeps a location the user wrote', () => {
    expect(run(['import', 'test/fixtures/import/isc-dhcpd.leases', '--db', database]).code).toBe(0);
    const before = devices();
    expect(before.map((device) => [device.mac, device.ip, device.vendor])).toEqual([
      ['44:47:cc:37:ce:81', '192.168.10.21', 'Hikvision'],
      ['4c:11:bf:c2:0b:9d', '192.168.10.22', 'Dahua'],
    ]);
    const db = new Database(database);
    db.prepare("UPDATE devices SET location = 'lobby, above the door' WHERE mac = '4c:11:bf:c2:0b:9d'").run();
    db.close();
    const result = run(['import', 'test/fixtures/import/hpe-procurve-show-mac-address.txt', '--db', database]);
    expect(result.code, result.stderr).toBe(0);
    const after = devices();
    expect(after.map((device) => [device.mac, device.ip, device.location, JSON.parse(device.sources)])).toEqual([
      ['44:47:cc:37:ce:81', '192.168.10.21', 'seen on switch ProCurve Switch 2824 port 3, VLAN 1', ['dhcp', 'switch']],
      ['4c:11:bf:c2:0b:9d', '192.168.10.22', 'lobby, above the door', ['dhcp', 'switch']],
    ]);
  });

  it('reads standard input with --format, reports bad lines by number on stderr and exits 1', () => {
    const input = `${JSON.stringify({ source: 'arp', ip: '10.0.0.5', mac: '44:47:cc:37:ce:81' })}\n{broken\n${JSON.stringify({ source: 'snmp', ip: '10.0.0.6', 'http.headers': { server: 'DNVRS-Webs' } })}\n`;
    const result = run(['import', '-', '--format', 'jsonl', '--db', database, '--json'], input);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/line 2: not JSON/);
    expect(JSON.parse(result.stdout)).toMatchObject({ format: 'jsonl', observations: 2, read: 2, devices: 2, covered: 2, badLines: 1, bySource: { arp: 1, snmp: 1 } });
  });

  it('reads a gzip-compressed file as it reads the plain one', () => {
    const file = join(directory, 'leases.csv.gz');
    writeFileSync(file, gzipSync(readFileSync('test/fixtures/import/windows-dhcp-powershell.csv')));
    const result = run(['import', file, '--db', database, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ format: 'windows-dhcp-csv', read: 2, devices: 2, covered: 2 });
  });

  it('refuses an unknown --format and a file it cannot tell the format of, as bad usage', () => {
    expect(run(['import', 'test/fixtures/import/plain.csv', '--format', 'xls', '--db', database]).code).toBe(2);
    const file = join(directory, 'notes.txt');
    writeFileSync(file, 'just some words\n');
    const result = run(['import', file, '--db', database]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot tell the format/);
  });
});
