import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InventoryDevice } from '../../src/inventory/index.js';
import { DEVICE_COLUMNS, devicesToCsv, devicesToXlsx } from '../../src/export/index.js';
import { parseCsv } from './export-helpers.js';
import { http, neighbour, observation, sadp, scanWith, tempInventory } from './inventory-helpers.js';

// Opens our CSV and xlsx in real LibreOffice (headless convert to CSV) and reads back what a user would see.
// LibreOffice is a system package (Debian libreoffice-calc-nogui); without it this test fails in CI and is
// skipped, loudly, elsewhere.

const SOFFICE = ['soffice', 'libreoffice'].find((name) => spawnSync('which', [name]).status === 0);
const CONVERT_TIMEOUT_MS = 120_000;
const HYPERLINK = '=HYPERLINK("http://x","y")';
// Comma, double quote, UTF-8, from line 1; formulas are exported as their shown value, so an evaluated formula
// would come back as "y", not as its text.
const CSV_FILTER = '44,34,76,1';

if (!SOFFICE && !process.env.CI) process.stderr.write('\n*** export-libreoffice.test.ts SKIPPED: soffice not found (apt-get install libreoffice-calc-nogui) ***\n\n');

const work = mkdtempSync(join(tmpdir(), 'camaudit-lo-'));
afterAll(async () => rmSync(work, { recursive: true, force: true }));

function convertToCsv(file: string, outdir: string, inputFilter?: string): Record<string, string[][]> {
  if (!SOFFICE) throw new Error('soffice not found: install libreoffice-calc-nogui');
  const profile = mkdtempSync(join(tmpdir(), 'camaudit-lo-profile-'));
  try {
    const args = [
      `-env:UserInstallation=file://${profile}`,
      '--headless',
      ...(inputFilter ? [`--infilter=${inputFilter}`] : []),
      // Token 12 = -1: every sheet, one file each (name-Sheet.csv).
      '--convert-to',
      `csv:Text - txt - csv (StarCalc):${CSV_FILTER},,0,false,true,false,false,false,-1`,
      '--outdir',
      outdir,
      file,
    ];
    const result = spawnSync(SOFFICE, args, { timeout: CONVERT_TIMEOUT_MS, encoding: 'utf8' });
    expect(result.status, `soffice failed: ${result.stderr}`).toBe(0);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  return Object.fromEntries(readdirSync(outdir).map((name) => [name, parseCsv(readFileSync(join(outdir, name), 'utf8'))]));
}

async function buildInventory(): Promise<{ devices: InventoryDevice[]; deviceCount: number }> {
  const temp = await tempInventory('sqlite', 'camaudit-lo-inventory-');
  const { inventory } = temp;
  const scan = await scanWith(inventory, [
    observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'DS-2CD2042WD-I20160112AAWR123456789', 'DS-2CD2042WD-I')),
    observation(http('10.0.0.3', HYPERLINK)),
    observation(neighbour('10.0.0.3', 'aa:bb:cc:00:00:03')),
    observation(http('10.0.0.4', 'Café Überwachung – 東京')),
  ]);
  const [hik] = (await inventory.listDevices({ vendor: 'Hikvision' })).items;
  await inventory.updateDevice(hik!.id, { location: '+Gate 3, "north"', notes: '@SUM(A1:A9)\nsecond line', owner: '-ops', status: 'planned' });
  const devices = await inventory.listAllDevices();
  await temp.cleanup();
  return { devices, deviceCount: scan.deviceIds.length };
}

const column = (key: string): number => DEVICE_COLUMNS.findIndex((entry) => entry.key === key);

describe.runIf(SOFFICE !== undefined || process.env.CI)('exports opened by LibreOffice', () => {
  let devices: InventoryDevice[] = [];
  let deviceCount = 0;
  beforeAll(async () => {
    ({ devices, deviceCount } = await buildInventory());
  });

  it('the CSV (UTF-8 with BOM) opens with the expected rows, and formulas stay text', async () => {
    const file = join(work, 'devices.csv');
    writeFileSync(file, devicesToCsv(devices, { bom: true }));
    const outdir = join(work, 'csv-out');
    const sheets = convertToCsv(file, outdir, `CSV:${CSV_FILTER}`);
    const rows = Object.values(sheets)[0]!;
    expect(rows[0]).toEqual(DEVICE_COLUMNS.map((entry) => entry.header));
    expect(rows).toHaveLength(deviceCount + 1);
    const byIp = new Map(rows.slice(1).map((row) => [row[column('ip')], row]));
    expect(byIp.get('10.0.0.3')![column('model')]).toBe(`'${HYPERLINK}`);
    expect(byIp.get('10.0.0.4')![column('model')]).toBe('Café Überwachung – 東京');
    const hik = byIp.get('10.0.0.2')!;
    expect(hik[column('vendor')]).toBe('Hikvision');
    expect(hik[column('covered')]).toBe('yes');
    expect(hik[column('serial')]).toBe('DS-2CD2042WD-I20160112AAWR123456789');
    expect(hik[column('location')]).toBe(`'+Gate 3, "north"`);
    // Line breaks are control characters: the CSV carries a space instead (the xlsx keeps the text as written).
    expect(hik[column('notes')]).toBe("'@SUM(A1:A9) second line");
    expect(hik[column('owner')]).toBe("'-ops");
    expect(hik[column('status')]).toBe('planned');
    expect(hik[column('mac')]).toBe('aa:bb:cc:00:00:02');
  });

  it('the xlsx opens with a Summary and a Devices sheet, and =HYPERLINK(...) stays text', async () => {
    const file = join(work, 'devices.xlsx');
    writeFileSync(file, devicesToXlsx(devices, { generatedAt: '2025-03-01T00:00:00.000Z' }));
    const outdir = join(work, 'xlsx-out');
    const sheets = convertToCsv(file, outdir);
    expect(Object.keys(sheets).sort()).toEqual(['devices-Devices.csv', 'devices-Summary.csv']);
    const rows = sheets['devices-Devices.csv']!;
    expect(rows[0]).toEqual(DEVICE_COLUMNS.map((entry) => entry.header));
    expect(rows).toHaveLength(deviceCount + 1);
    const byIp = new Map(rows.slice(1).map((row) => [row[column('ip')], row]));
    expect(byIp.get('10.0.0.3')![column('model')]).toBe(HYPERLINK);
    expect(byIp.get('10.0.0.4')![column('model')]).toBe('Café Überwachung – 東京');
    const hik = byIp.get('10.0.0.2')!;
    expect(hik[column('location')]).toBe('+Gate 3, "north"');
    expect(hik[column('notes')]).toBe('@SUM(A1:A9)\nsecond line');
    expect(hik[column('confidence')]).toBe('0.9');
    const summary = sheets['devices-Summary.csv']!;
    const label = (text: string): number => summary.findIndex((row) => row[0] === text);
    expect(summary[label('Devices')]![1]).toBe(String(deviceCount));
    expect(summary[label('Covered devices')]![1]).toBe('1');
    const byStatus = label('By status');
    expect(summary.slice(byStatus + 1, byStatus + 3)).toEqual([
      ['found', '2'],
      ['planned', '1'],
    ]);
    expect(summary.slice(label('By vendor') + 1, label('By vendor') + 3)).toEqual([
      ['(unknown)', '2'],
      ['Hikvision', '1'],
    ]);
  });
});
