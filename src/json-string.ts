// A string as JSON writes it, for the code that writes a million JSON lines by hand (observation ids, `camaudit
// identify`). JSON.stringify goes through V8's runtime for every call, which costs about twice a pattern test and
// two quotes; the text is the same (test/unit/json-string.test.ts holds the two equal under fast-check).

/** What JSON.stringify escapes: the quote, the backslash, control characters and (well-formed JSON.stringify,
 * ES2019) lone surrogates. Any surrogate sends the text to JSON.stringify, which tells lone ones from pairs. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

export function jsonString(text: string): string {
  return NEEDS_ESCAPING.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/**
 * A string's JSON text without its quotes, for writers that keep the quotes in their constant pieces (one piece
 * fewer per string). The string itself when nothing needs escaping.
 */
export function jsonContent(text: string): string {
  return NEEDS_ESCAPING.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}
