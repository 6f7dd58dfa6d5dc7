// Device-supplied text reaches a terminal only through here: control characters (ANSI escapes, CR, BEL, …)
// become visible escapes, so a camera named "\x1b[2J…" cannot repaint the operator's screen. Bidi controls and
// marks, zero-width and other invisible format characters are escaped too: they reorder or hide what the
// operator reads (a name that displays as "NVR-backup" but is not, Trojan Source style).
import { CLI_LIMITS } from '../config.js';

// eslint-disable-next-line no-control-regex -- matching control characters is the point here.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]/g;

export function terminalSafe(value: string, maxLength: number = CLI_LIMITS.valueChars): string {
  const escaped = value.replace(CONTROL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > maxLength ? `${escaped.slice(0, maxLength - 1)}…` : escaped;
}

/** Render rows as an aligned plain-text table; every cell is made terminal-safe. */
export function renderTable(headers: string[], rows: (string | number | boolean | null | undefined)[][]): string {
  const cells = rows.map((row) => row.map((cell) => terminalSafe(cell === null || cell === undefined ? '-' : String(cell), CLI_LIMITS.tableCellChars)));
  const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((row) => row[column]?.length ?? 0)));
  const line = (values: string[]): string => values.map((value, column) => value.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}
