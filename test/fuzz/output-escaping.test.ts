// What leaves camaudit for a person (terminal tables, CSV and xlsx cells, refusal reasons) on seeded random text,
// hostile-name-shaped text included: no control character reaches a terminal, no cell opens as a formula, no
// workbook holds a character XML cannot carry or an unescaped tag.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderTable, terminalSafe } from '../../src/cli/text.js';
import { cleanReason } from '../../src/discovery/engine/rejections.js';
import { csvCell, withoutControls } from '../../src/export/csv.js';
import { escapeXml } from '../../src/export/xlsx.js';

const SEED = 0xe5c;
// eslint-disable-next-line no-control-regex -- finding control characters is the point of this test.
const TERMINAL_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point of this test.
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

const hostile = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.tuple(fc.constantFrom('=', '+', '-', '@', '\t', '\r', ' =', '"=', "'", '\u00a0=', '\ufeff+', '\n-', '\u200e@', '\u200b=', '\uff1d', '\uff0b', '\u3000\uff20'), fc.string({ maxLength: 20 })).map(([start, rest]) => start + rest),
  fc.constantFrom('\u001b[2J\u001b]0;owned\u0007', '\u009b31m', '<script>alert(1)</script>', '=HYPERLINK("http://x","y")', '\ud800', '\u202e\u2066'),
);

/** One RFC 4180 cell back to its text. */
function unquote(cell: string): string {
  return cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
}

describe('output escaping under fuzzing', () => {
  it('terminal cells carry no control character', () => {
    fc.assert(
      fc.property(fc.array(fc.array(hostile, { minLength: 2, maxLength: 2 }), { maxLength: 5 }), (rows) => {
        for (const row of rows) expect(terminalSafe(row[0]!)).not.toMatch(TERMINAL_CONTROL);
        const table = renderTable(['A', 'B'], rows);
        expect(table.replace(/\n/g, '')).not.toMatch(TERMINAL_CONTROL);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('CSV cells never open as formulas and keep their text', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const value = unquote(csvCell(text));
        expect(value).not.toMatch(TERMINAL_CONTROL);
        if (!value.startsWith("'")) expect(value).not.toMatch(/^[\s\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20]/);
        const clean = withoutControls(text);
        expect(value === clean || value === `'${clean}`).toBe(true);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('xlsx text holds nothing XML cannot carry and no raw markup', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const escaped = escapeXml(text);
        expect(escaped).not.toMatch(XML_INVALID);
        expect(escaped).not.toMatch(/[<>]/);
        expect(escaped.replace(/&(?:amp|lt|gt|quot);/g, '')).not.toContain('&');
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('refusal reasons are bounded and carry no control character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 1000 }), (text) => {
        const reason = cleanReason(text);
        expect(reason).not.toMatch(TERMINAL_CONTROL);
        expect(reason.length).toBeLessThanOrEqual(300);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
