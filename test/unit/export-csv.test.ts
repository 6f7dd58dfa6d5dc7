import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, DEVICE_COLUMNS, devicesToCsv, devicesToJson, devicesToJsonLines, neutraliseFormula, summariseDevices } from '../../src/export/index.js';
import { withoutControls } from '../../src/export/csv.js';
import { terminalSafe } from '../../src/cli/text.js';
import { parseCsv, sampleDevice, sampleIdentification } from './export-helpers.js';

describe('CSV', () => {
  it('neutralises every cell that a spreadsheet would read as a formula', () => {
    for (const trigger of ['=', '+', '-', '@']) expect(neutraliseFormula(`${trigger}1+1`)).toBe(`'${trigger}1+1`);
    // Tab and CR are controls: they become a space, and the = behind them is still seen.
    expect(neutraliseFormula('\t=1+1')).toBe("' =1+1");
    expect(neutraliseFormula('\r@SUM(A1)')).toBe("' @SUM(A1)");
    expect(neutraliseFormula('10.0.0.1')).toBe('10.0.0.1');
    expect(neutraliseFormula('')).toBe('');
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvCell(0.5)).toBe('0.5');
    expect(csvCell(null)).toBe('');
  });

  it('looks past every invisible lead for = + - @ and their full-width and small forms', () => {
    const leads = [' ', '   ', '\u00a0', '\ufeff', '\n', '\r\n', '\u200e', '\u200f', '\u200b', '\u200d', '\u2060', '\u202e', '\u2066', '\u061c', '\u3000', '\u00ad', '\u0000', '\u001b', '\u0085', '\u00a0\u200b\ufeff '];
    const triggers = ['=', '+', '-', '@', '\uff1d', '\uff0b', '\uff0d', '\uff20', '\ufe66', '\ufe62', '\ufe63', '\ufe6b', '\u2212'];
    for (const lead of leads) {
      for (const trigger of triggers) {
        const cell = neutraliseFormula(`${lead}${trigger}HYPERLINK("http://x","y")`);
        expect(cell.startsWith("'"), JSON.stringify(lead + trigger)).toBe(true);
      }
      expect(neutraliseFormula(`${lead}10.0.0.1`).startsWith("'"), JSON.stringify(lead)).toBe(false);
    }
    expect(neutraliseFormula(' ')).toBe(' ');
  });

  it('takes C0 and C1 control characters out of every cell', () => {
    expect(withoutControls('a\u0000b\u0007c\u001b[2Jd\u007fe\u0085f\u009bg')).toBe('abc[2Jdefg');
    expect(withoutControls('line one\r\nline\ttwo')).toBe('line one  line two');
    expect(csvCell('cam\u001b]0;owned\u0007')).toBe('cam]0;owned');
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
      notes: 'line one line two',
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
        // eslint-disable-next-line no-control-regex -- no control character may reach a cell.
        for (const cell of cells) expect(/^[=+\-@\uff1d\uff0b\uff0d\uff20]|[\u0000-\u001f\u007f-\u009f]/.test(cell)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('terminal escaping', () => {
  it('escapes bidi controls and marks, zero-width and invisible format characters, not just C0/C1', () => {
    for (const code of [0x1b, 0x85, 0x9b, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x202a, 0x202e, 0x2066, 0x2069, 0x2060, 0x061c, 0xfeff, 0x00ad, 0x2028]) {
      const hidden = `NVR${String.fromCharCode(code)}-backup`;
      expect(terminalSafe(hidden), code.toString(16)).toBe(`NVR\\u${code.toString(16).padStart(4, '0')}-backup`);
    }
    expect(terminalSafe('Caméra ＝ 東京')).toBe('Caméra ＝ 東京');
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
