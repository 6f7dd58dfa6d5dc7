import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, DEVICE_COLUMNS, devicesToCsv, devicesToJson, devicesToJsonLines, neutraliseFormula, summariseDevices } from '../../src/export/index.js';
import { parseCsv, sampleDevice, sampleIdentification } from './export-helpers.js';

describe('CSV', () => {
  it('neutralises every cell that a spreadsheet would read as a formula', () => {
    for (const trigger of ['=', '+', '-', '@', '\t', '\r']) expect(neutraliseFormula(`${trigger}1+1`)).toBe(`'${trigger}1+1`);
    expect(neutraliseFormula('10.0.0.1')).toBe('10.0.0.1');
    expect(neutraliseFormula('')).toBe('');
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvCell(0.5)).toBe('0.5');
    expect(csvCell(null)).toBe('');
  });

  it('quotes per RFC 4180 and writes the issue columns, with an optional BOM', () => {
    const device = sampleDevice({ location: 'Gate "3", east', notes: 'line one\nline two', owner: '@ops' });
    const plain = devicesToCsv([device]);
    expect(plain.startsWith('Site,Location,IP,MAC,Vendor,Brand,Model,Firmware,Serial,Covered,Covered because,Advisories,Confidence,Evidence,First seen,Last seen,Status')).toBe(true);
    expect(plain.endsWith('\r\n')).toBe(true);
    const withBom = devicesToCsv([device], { bom: true });
    expect(withBom.charCodeAt(0)).toBe(0xfeff);
    const rows = parseCsv(plain);
    expect(rows).toHaveLength(2);
    const record = Object.fromEntries(DEVICE_COLUMNS.map((column, index) => [column.key, rows[1]![index]]));
    expect(record).toMatchObject({
      site: 'hq',
      location: 'Gate "3", east',
      ip: '10.0.0.1',
      vendor: 'Hikvision',
      brand: 'LTS',
      firmware: 'V5.5.0 build 170725',
      covered: 'yes',
      advisories: 'CVE-2017-7921',
      confidence: '0.93',
      evidence: 'r1: sadp.DeviceDescription=LTS-CMIP7422',
      notes: 'line one\nline two',
      owner: "'@ops",
      status: 'found',
    });
  });

  it('writes the cloud flag and the NVR a camera sits behind', () => {
    const behind = sampleDevice({ ip: '192.168.254.3', via: { deviceId: 'nvr-1', ip: '10.0.0.9', channel: 3 }, cloud: 'enabled' });
    const rows = parseCsv(devicesToCsv([behind, sampleDevice()]));
    const cell = (row: number, key: string): string => rows[row]![DEVICE_COLUMNS.findIndex((column) => column.key === key)]!;
    expect(cell(0, 'cloud')).toBe('Cloud P2P');
    expect(cell(1, 'cloud')).toBe('enabled');
    expect(cell(1, 'via')).toBe('10.0.0.9 channel 3 (nvr-1)');
    expect(cell(2, 'cloud')).toBe('unknown');
    expect(cell(2, 'via')).toBe('');
  });

  it('neutralises evidence too (a device chooses its own banner)', () => {
    const device = sampleDevice({
      identification: sampleIdentification({ evidence: [] }),
      notes: null,
    });
    device.identification.evidence.push({ ruleId: '=cmd', field: 'http.title', value: 'x', params: {}, confidence: 0.1, source: 'http', observationId: 'o' });
    const rows = parseCsv(devicesToCsv([device]));
    const evidence = rows[1]![DEVICE_COLUMNS.findIndex((column) => column.key === 'evidence')]!;
    expect(evidence.startsWith("'=")).toBe(true);
  });

  it('any text survives a write and read back, and no cell starts a formula', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 20 }), (notes, location) => {
        const rows = parseCsv(devicesToCsv([sampleDevice({ notes, location })]));
        const cells = rows[1]!;
        const notesCell = cells[DEVICE_COLUMNS.findIndex((column) => column.key === 'notes')]!;
        const locationCell = cells[DEVICE_COLUMNS.findIndex((column) => column.key === 'location')]!;
        expect(notesCell).toBe(neutraliseFormula(notes));
        expect(locationCell).toBe(neutraliseFormula(location));
        for (const cell of cells) expect(/^[=+\-@\t\r]/.test(cell)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('JSON and summary', () => {
  it('writes a JSON array and JSON Lines with one device per line', () => {
    const devices = [sampleDevice(), sampleDevice({ id: 'device-2', notes: 'two\nlines' })];
    expect(JSON.parse(devicesToJson(devices))).toEqual(devices);
    const lines = devicesToJsonLines(devices).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(devices);
    expect(devicesToJsonLines([])).toBe('');
  });

  it('counts by site, vendor, brand, covered and status', () => {
    const devices = [
      sampleDevice(),
      sampleDevice({ id: '2', site: 'branch', status: 'planned' }),
      sampleDevice({ id: '3', identification: sampleIdentification({ vendor: null, brand: null, covered: false }) }),
    ];
    const sections = Object.fromEntries(summariseDevices(devices).map((section) => [section.title, section.rows]));
    expect(sections.Site).toEqual([['hq', 2], ['branch', 1]]);
    expect(sections.Vendor).toEqual([['Hikvision', 2], ['(unknown)', 1]]);
    expect(sections.Brand).toEqual([['LTS', 2], ['(unknown)', 1]]);
    expect(sections.Covered).toEqual([['yes', 2], ['no', 1]]);
    expect(sections.Status).toEqual([['found', 2], ['planned', 1]]);
  });
});
