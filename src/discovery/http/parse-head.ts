// The head of an HTTP or RTSP response: status line and header fields. Both protocols share RFC 822-style
// headers, so one pure reader serves both; it never throws on foreign bytes.
import { parsed, rejected, type ParseResult } from '../parse-result.js';
import { decodeUtf8, sanitizeLine } from './text.js';
import { PARSE_LIMITS } from '../../config.js';


const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export interface ResponseHead {
  protocol: 'HTTP' | 'RTSP';
  /** e.g. `1.1`. */
  version: string;
  status: number;
  reason: string;
  /** Lower-case names; repeated fields joined with ", " (set-cookie with "\n"). */
  headers: Record<string, string>;
  /** Offset of the first body byte, or undefined when the blank line ending the head was not received. */
  bodyOffset: number | undefined;
}

/** Offset just after the blank line ending the head (CRLFCRLF, or bare LFLF from sloppy firmware), or -1. */
export function findHeadEnd(bytes: Uint8Array, from = 0): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const crlf = buffer.indexOf('\r\n\r\n', from);
  const lf = buffer.indexOf('\n\n', from);
  if (crlf === -1) return lf === -1 ? -1 : lf + 2;
  if (lf === -1 || crlf < lf) return crlf + 4;
  return lf + 2;
}

const STATUS_LINE = /^(HTTP|RTSP)\/(\d\.\d)[ \t]+(\d{3})(?:[ \t]([^\r\n]*))?$/;

/**
 * Reads the status line and headers. A head without its closing blank line (cut by a cap or a deadline) is read
 * as far as it goes; a first line that is not a status line of `protocol` is refused.
 */
export function parseResponseHead(bytes: Uint8Array, protocol: 'HTTP' | 'RTSP'): ParseResult<ResponseHead> {
  const headEnd = findHeadEnd(bytes);
  const headText = decodeUtf8(bytes.subarray(0, headEnd === -1 ? bytes.length : headEnd));
  const lines = headText.split(/\r?\n/);
  const statusLine = (lines[0] ?? '').trimEnd();
  const match = STATUS_LINE.exec(statusLine);
  if (!match || match[1] !== protocol) {
    return rejected(`not an ${protocol} response (first line ${JSON.stringify(sanitizeLine(statusLine.slice(0, 40)))})`);
  }
  const fields = new Map<string, string[]>();
  let fieldCount = 0;
  let previous: string[] | undefined;
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    if ((line.startsWith(' ') || line.startsWith('\t')) && previous && previous.length > 0) {
      // Obsolete line folding: the line continues the previous field's value.
      previous[previous.length - 1] = `${previous[previous.length - 1]} ${sanitizeLine(line.trim())}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!TOKEN.test(name)) continue;
    if (++fieldCount > PARSE_LIMITS.maxHeaderFields) break;
    const values = fields.get(name) ?? [];
    values.push(sanitizeLine(line.slice(colon + 1).trim()));
    fields.set(name, values);
    previous = values;
  }
  // Object.fromEntries defines own properties, so a field named __proto__ is a field, not a prototype.
  const headers: Record<string, string> = Object.fromEntries(
    [...fields].map(([name, values]) => [name, values.join(name === 'set-cookie' ? '\n' : ', ')]),
  );
  return parsed({
    protocol,
    version: match[2] ?? '',
    status: Number(match[3]),
    reason: sanitizeLine(match[4]?.trim() ?? ''),
    headers,
    bodyOffset: headEnd === -1 ? undefined : headEnd,
  });
}

/** Content-Length as a safe non-negative integer, or undefined when absent or not a plain number. */
export function contentLengthOf(headers: Record<string, string>): number | undefined {
  const raw = headers['content-length'];
  if (raw === undefined) return undefined;
  // Repeated identical values ("10, 10") are allowed by RFC 9110; differing ones are not trustworthy.
  const values = new Set(raw.split(',').map((part) => part.trim()));
  if (values.size !== 1) return undefined;
  const [value] = [...values];
  return value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

export function isChunked(headers: Record<string, string>): boolean {
  return /(?:^|,)\s*chunked\s*$/i.test(headers['transfer-encoding'] ?? '');
}
