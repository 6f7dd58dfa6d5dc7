import type { InventoryDevice } from '../inventory/index.js';
import { DEVICE_COLUMNS, deviceCells, type CellValue } from './columns.js';

// RFC 4180 CSV that spreadsheets open as data, never as formulas (OWASP "CSV injection"): a text cell that
// starts with = + - @ tab or CR gets a leading apostrophe. Every text cell, evidence and headers included,
// because a device chooses its own names and titles.

export interface CsvOptions {
  /** Prefix a UTF-8 byte order mark, which Excel needs to read UTF-8. */
  bom?: boolean;
}

const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r']);
const NEEDS_QUOTES = /[",\r\n]/;

export function neutraliseFormula(text: string): string {
  return text.length > 0 && FORMULA_TRIGGERS.has(text[0]!) ? `'${text}` : text;
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
