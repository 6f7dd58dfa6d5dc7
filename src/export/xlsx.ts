import { strToU8, zipSync } from 'fflate';
import type { InventoryDevice } from '../inventory/index.js';
import { DEVICE_COLUMNS, deviceCells, type CellValue } from './columns.js';
import { summariseDevices } from './summary.js';

// A minimal Office Open XML workbook (ECMA-376), written by hand and zipped with fflate: a Summary sheet and a
// Devices sheet. Every text cell is an inline string (t="inlineStr"), and no cell is ever written as <f>, so a
// device named =HYPERLINK(...) stays text in Excel and LibreOffice.

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PACKAGE_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const XML_HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
// Excel refuses longer cells.
const MAX_CELL_CHARS = 32767;
const STYLE_BOLD = 1;

// Characters XML 1.0 cannot carry at all, and lone surrogates: dropped, since they cannot be escaped.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(text: string): string {
  return text.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A1-style column letters: 0 → A, 25 → Z, 26 → AA. */
export function columnName(index: number): string {
  let name = '';
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / 26)) name = String.fromCharCode(65 + ((rest - 1) % 26)) + name;
  return name;
}

interface SheetRow {
  cells: CellValue[];
  bold?: boolean;
}

function cellXml(value: CellValue, reference: string, bold: boolean): string {
  const style = bold ? ` s="${STYLE_BOLD}"` : '';
  if (value === null || value === '') return '';
  if (typeof value === 'number') return Number.isFinite(value) ? `<c r="${reference}"${style}><v>${value}</v></c>` : '';
  const text = value.length > MAX_CELL_CHARS ? value.slice(0, MAX_CELL_CHARS) : value;
  return `<c r="${reference}"${style} t="inlineStr"><is><t xml:space="preserve">${escapeXml(text)}</t></is></c>`;
}

function sheetXml(rows: readonly SheetRow[], widths: readonly number[], freezeHeader: boolean): string {
  const view = freezeHeader
    ? '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
    : '<sheetViews><sheetView workbookViewId="0"/></sheetViews>';
  const cols = `<cols>${widths.map((width, index) => `<col min="${index + 1}" max="${index + 1}" width="${width}" customWidth="1"/>`).join('')}</cols>`;
  const body = rows
    .map((row, rowIndex) => {
      const cells = row.cells.map((value, columnIndex) => cellXml(value, `${columnName(columnIndex)}${rowIndex + 1}`, row.bold === true)).join('');
      return `<row r="${rowIndex + 1}">${cells}</row>`;
    })
    .join('');
  return `${XML_HEADER}<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">${view}${cols}<sheetData>${body}</sheetData></worksheet>`;
}

function summaryRows(devices: readonly InventoryDevice[], generatedAt: string): SheetRow[] {
  const rows: SheetRow[] = [
    { cells: ['camaudit inventory summary'], bold: true },
    { cells: ['Generated', generatedAt] },
    { cells: ['Devices', devices.length] },
    { cells: ['Covered devices', devices.filter((device) => device.identification.covered).length] },
  ];
  for (const section of summariseDevices(devices)) {
    rows.push({ cells: [] }, { cells: [`By ${section.title.toLowerCase()}`, 'Devices'], bold: true });
    for (const [label, count] of section.rows) rows.push({ cells: [label, count] });
  }
  return rows;
}

const STYLES = `${XML_HEADER}<styleSheet xmlns="${MAIN_NS}">
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>`;

const SHEET_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml';
const CONTENT_TYPES = `${XML_HEADER}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="${SHEET_TYPE}"/>
<Override PartName="/xl/worksheets/sheet2.xml" ContentType="${SHEET_TYPE}"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>`;

const ROOT_RELS = `${XML_HEADER}<Relationships xmlns="${PACKAGE_REL_NS}">
<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/>
</Relationships>`;

const WORKBOOK = `${XML_HEADER}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">
<sheets><sheet name="Summary" sheetId="1" r:id="rId1"/><sheet name="Devices" sheetId="2" r:id="rId2"/></sheets>
</workbook>`;

const WORKBOOK_RELS = `${XML_HEADER}<Relationships xmlns="${PACKAGE_REL_NS}">
<Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="${REL_NS}/worksheet" Target="worksheets/sheet2.xml"/>
<Relationship Id="rId3" Type="${REL_NS}/styles" Target="styles.xml"/>
</Relationships>`;

export interface XlsxOptions {
  /** ISO time written on the summary sheet; defaults to now. */
  generatedAt?: string;
}

export function devicesToXlsx(devices: readonly InventoryDevice[], options: XlsxOptions = {}): Uint8Array {
  const generatedAt = options.generatedAt ?? new Date().toISOString();
  const deviceRows: SheetRow[] = [{ cells: DEVICE_COLUMNS.map((column) => column.header), bold: true }, ...devices.map((device) => ({ cells: deviceCells(device) }))];
  const deviceWidths = DEVICE_COLUMNS.map((column) => (column.key === 'evidence' || column.key === 'coveredReason' ? 60 : column.key === 'id' ? 38 : 18));
  // Timestamps pinned so the same inventory gives the same bytes.
  const mtime = new Date(generatedAt);
  const file = (text: string): [Uint8Array, { mtime: Date }] => [strToU8(text), { mtime }];
  return zipSync({
    '[Content_Types].xml': file(CONTENT_TYPES),
    '_rels/.rels': file(ROOT_RELS),
    'xl/workbook.xml': file(WORKBOOK),
    'xl/_rels/workbook.xml.rels': file(WORKBOOK_RELS),
    'xl/styles.xml': file(STYLES),
    'xl/worksheets/sheet1.xml': file(sheetXml(summaryRows(devices, generatedAt), [30, 40], false)),
    'xl/worksheets/sheet2.xml': file(sheetXml(deviceRows, deviceWidths, true)),
  });
}
