// Text from devices is hostile by default: invalid UTF-8, terminal escape sequences and HTML in header values and
// titles. These helpers turn it into plain, bounded, printable text; they never throw.

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** UTF-8 with U+FFFD for invalid sequences. The BOM is kept: "BOM + <!doctype html>" is itself evidence (nmap-service-probes, "HikVision NVR or camera http config"). */
export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

// C0 controls except tab, DEL, and C1 controls (0x9b is a one-byte CSI that some terminals honour). Matching
// control characters is the point here, hence the lint exception.
/* eslint-disable no-control-regex */
const CONTROL_IN_LINE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
/* eslint-enable no-control-regex */

/** One-line text (header values, titles): every control character but tab becomes U+FFFD. */
export function sanitizeLine(text: string): string {
  return text.replace(CONTROL_IN_LINE, '\uFFFD');
}

/** Multi-line text (bodies): as sanitizeLine, but newlines and carriage returns are kept. */
export function sanitizeText(text: string): string {
  return text.replace(CONTROL_IN_TEXT, '\uFFFD');
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  copy: '\u00a9',
  reg: '\u00ae',
  trade: '\u2122',
  middot: '\u00b7',
  ndash: '\u2013',
  mdash: '\u2014',
};

/** Decodes the common named entities and numeric references; anything else is left as written. One pass, no recursion. */
export function decodeHtmlEntities(text: string): string {
  return text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});/g, (whole, body: string) => {
    if (body.startsWith('#')) {
      const codePoint = body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      const valid = codePoint > 0 && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff);
      return valid ? String.fromCodePoint(codePoint) : '\uFFFD';
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/** Cuts at `maxChars` UTF-16 units without leaving half a surrogate pair. */
export function capChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

export function toHex(bytes: Uint8Array, maxBytes: number): string {
  return Buffer.from(bytes.subarray(0, maxBytes)).toString('hex');
}
