import type { InventoryDevice } from '../inventory/index.js';
import { DEVICE_COLUMNS, deviceCells, type CellValue } from './columns.js';

// RFC 4180 CSV that spreadsheets open as data, never as formulas (OWASP "CSV injection"): a text cell whose
// first visible character is = + - @ (or their full-width and small forms, which spreadsheets in CJK locales
// read as the same operators) gets a leading apostrophe. What comes before that character does not hide it:
// spaces of any kind, a BOM, bidi marks and zero-width characters are skipped when looking. C0 and C1 control
// characters are taken out of every cell (tab, CR and LF become a space). Every text cell, evidence and headers
// included, because a device chooses its own names and titles.

export interface CsvOptions {
  /** Prefix a UTF-8 byte order mark, which Excel needs to read UTF-8. */
  bom?: boolean;
}

const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\uff1d', '\uff0b', '\uff0d', '\uff20', '\ufe66', '\ufe62', '\ufe63', '\ufe6b', '\u2212']);
const NEEDS_QUOTES = /[",\r\n]/;
/** Whitespace (NBSP and ideographic space included), BOM, soft hyphen, bidi marks and zero-width characters. */
const INVISIBLE_LEAD = /^[\s\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0]*/;
const LINE_CONTROLS = /[\t\r\n]/g;
// eslint-disable-next-line no-control-regex -- removing control characters is the point here.
const OTHER_CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** The text without C0/C1 control characters; tab, CR and LF become a space so words stay apart. */
export function withoutControls(text: string): string {
  return text.replace(LINE_CONTROLS, ' ').replace(OTHER_CONTROLS, '');
}

/** The cell text as a spreadsheet must see it: controls out, and `'` first when a formula would start. */
export function neutraliseFormula(text: string): string {
  const clean = withoutControls(text);
  const lead = INVISIBLE_LEAD.exec(clean)?.[0].length ?? 0;
  return lead < clean.length && FORMULA_TRIGGERS.has(clean[lead]!) ? `'${clean}` : clean;
}

export function csvCell(value: CellValue): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = neutraliseFormula(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly CellValue[]): string {
  return values.map(csvCell).join(',');
}

/** The same CSV, a chunk of lines at a time, for exports that must not hold every device in memory. */
export async function* streamCsv(devices: AsyncIterable<InventoryDevice>, options: CsvOptions = {}): AsyncGenerator<string> {
  yield `${options.bom ? '\uFEFF' : ''}${csvLine(DEVICE_COLUMNS.map((column) => column.header))}\r\n`;
  for await (const device of devices) yield `${csvLine(deviceCells(device))}\r\n`;
}

export function devicesToCsv(devices: readonly InventoryDevice[], options: CsvOptions = {}): string {
  const lines = [csvLine(DEVICE_COLUMNS.map((column) => column.header)), ...devices.map((device) => csvLine(deviceCells(device)))];
  return `${options.bom ? '\uFEFF' : ''}${lines.join('\r\n')}\r\n`;
}
