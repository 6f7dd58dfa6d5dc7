import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { columnName, devicesToXlsx, escapeXml } from '../../src/export/xlsx.js';
import { sampleDevice, sampleIdentification } from './export-helpers.js';

function unpack(bytes: Uint8Array): Record<string, string> {
  return Object.fromEntries(Object.entries(unzipSync(bytes)).map(([name, content]) => [name, strFromU8(content)]));
}

describe('xlsx', () => {
  it('is a zip with the parts a spreadsheet needs, a Summary and a Devices sheet', () => {
    const parts = unpack(devicesToXlsx([sampleDevice()], { generatedAt: '2025-02-03T04:05:06.000Z' }));
    expect(Object.keys(parts).sort()).toEqual([
      '[Content_Types].xml',
      '_rels/.rels',
      'xl/_rels/workbook.xml.rels',
      'xl/styles.xml',
      'xl/workbook.xml',
      'xl/worksheets/sheet1.xml',
      'xl/worksheets/sheet2.xml',
    ]);
    expect(parts['xl/workbook.xml']).toContain('<sheet name="Summary" sheetId="1" r:id="rId1"/><sheet name="Devices" sheetId="2" r:id="rId2"/>');
    expect(parts['xl/worksheets/sheet1.xml']).toContain('2025-02-03T04:05:06.000Z');
    expect(parts['xl/worksheets/sheet2.xml']).toContain('<c r="C2" t="inlineStr"><is><t xml:space="preserve">10.0.0.1</t></is></c>');
  });

  it('writes text only as escaped inline strings, never as a formula', () => {
    const device = sampleDevice({
      identification: sampleIdentification({ model: '=HYPERLINK("http://x","y")' }),
      notes: '<script>&\u0001\uD800',
    });
    const sheet = unpack(devicesToXlsx([device]))['xl/worksheets/sheet2.xml']!;
    expect(sheet).not.toMatch(/<f[ >]/);
    expect(sheet).toContain('<t xml:space="preserve">=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)</t>');
    expect(sheet).toContain('&lt;script&gt;&amp;</t>');
    expect(sheet.includes(String.fromCharCode(1)) || sheet.includes(String.fromCharCode(0xd800))).toBe(false);
  });

  it('names columns like a spreadsheet and escapes XML', () => {
    expect([0, 25, 26, 27, 51, 52, 701, 702].map(columnName)).toEqual(['A', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA']);
    expect(escapeXml('a<b>&"c"\u0000')).toBe('a&lt;b&gt;&amp;&quot;c&quot;');
  });

  it('gives the same bytes for the same data', () => {
    const options = { generatedAt: '2025-02-03T04:05:06.000Z' };
    expect(Buffer.from(devicesToXlsx([sampleDevice()], options)).equals(Buffer.from(devicesToXlsx([sampleDevice()], options)))).toBe(true);
  });
});
