// jsonString and jsonContent write strings as JSON.stringify does; the identify output and observation ids rely on it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonContent, jsonString } from '../../src/json-string.js';

const hostile = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', '"', '\\', '\u0000', '\u001f', '\u007f', '\u2028', '\ud800', '\udfff', '\ud83d\ude00', 'a\ud800b', '</script>', '=cmd|x'),
);

describe('jsonString', () => {
  it('writes what JSON.stringify writes, for any string', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        expect(jsonString(text)).toBe(JSON.stringify(text));
        expect(`"${jsonContent(text)}"`).toBe(JSON.stringify(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('escapes what must be escaped and nothing else', () => {
    expect(jsonString('a"b\\c\nd\u0001')).toBe('"a\\"b\\\\c\\nd\\u0001"');
    // A lone surrogate is escaped (well-formed JSON.stringify); a pair is kept as it is.
    expect(jsonString('\ud800')).toBe('"\\ud800"');
    expect(jsonString('\ud83d\ude00')).toBe('"\ud83d\ude00"');
    expect(jsonContent('plain text')).toBe('plain text');
  });
});
