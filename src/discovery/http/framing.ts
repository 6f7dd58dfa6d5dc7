// Where a response ends, decided from the bytes received so far. The exchange asks after every read; the answer
// lets it stop as soon as the message is whole (devices that ignore `Connection: close`) or at a cap (devices
// that never stop sending). Pure, never throws.
import { contentLengthOf, findHeadEnd, isChunked, parseResponseHead } from './parse-head.js';
import { PARSE_LIMITS } from '../../config.js';

export interface FrameLimits {
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

export type FrameDecision =
  | { state: 'need-more' }
  | { state: 'complete'; length: number }
  /** Stop reading: `length` bytes are all that will be kept. */
  | { state: 'capped'; length: number; cap: 'header' | 'body' };


export interface ChunkedBody {
  /** Decoded data (only when collected). */
  data: Buffer;
  /** The terminating zero-size chunk and the trailer section were received. */
  complete: boolean;
  /** Offset just after the whole chunked body, when complete. */
  end: number;
  /** The framing broke (not hex, missing CRLF): the body is not really chunked. */
  malformed: boolean;
}

/** Walks chunked transfer coding from `start`; collects the data when asked. */
export function decodeChunked(bytes: Uint8Array, start: number, collect = true): ChunkedBody {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Buffer[] = [];
  const result = (complete: boolean, end: number, malformed: boolean): ChunkedBody => ({
    data: collect ? Buffer.concat(parts) : Buffer.alloc(0),
    complete,
    end,
    malformed,
  });
  let position = start;
  for (;;) {
    const lineEnd = buffer.indexOf(0x0a, position);
    if (lineEnd === -1 || lineEnd - position > PARSE_LIMITS.maxChunkLineBytes) {
      return result(false, position, buffer.length - position > PARSE_LIMITS.maxChunkLineBytes);
    }
    const line = buffer.subarray(position, lineEnd).toString('latin1').replace(/\r$/, '');
    const sizeText = (line.split(';')[0] ?? '').trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) return result(false, position, true);
    const size = Number.parseInt(sizeText, 16);
    const dataStart = lineEnd + 1;
    if (size === 0) {
      // Trailer section: either an immediate empty line or header lines ending in a blank line.
      if (buffer.length >= dataStart + 2 && buffer[dataStart] === 0x0d && buffer[dataStart + 1] === 0x0a) return result(true, dataStart + 2, false);
      if (buffer.length >= dataStart + 1 && buffer[dataStart] === 0x0a) return result(true, dataStart + 1, false);
      const trailerEnd = findHeadEnd(buffer, dataStart);
      return trailerEnd === -1 ? result(false, position, false) : result(true, trailerEnd, false);
    }
    const dataEnd = dataStart + size;
    if (dataEnd > buffer.length) {
      if (collect) parts.push(buffer.subarray(dataStart));
      return result(false, position, false);
    }
    if (collect) parts.push(buffer.subarray(dataStart, dataEnd));
    if (buffer.length < dataEnd + 1) return result(false, position, false);
    if (buffer[dataEnd] === 0x0d) {
      if (buffer.length < dataEnd + 2) return result(false, position, false);
      if (buffer[dataEnd + 1] !== 0x0a) return result(false, position, true);
      position = dataEnd + 2;
    } else if (buffer[dataEnd] === 0x0a) {
      position = dataEnd + 1;
    } else {
      return result(false, position, true);
    }
  }
}

/**
 * HTTP: body by Content-Length, chunked coding, or until the connection closes; none for 1xx, 204 and 304.
 * RTSP: a body only with Content-Length (RFC 2326 §4.3), so a head alone is a whole message.
 */
export function frameResponse(bytes: Uint8Array, protocol: 'HTTP' | 'RTSP', limits: FrameLimits): FrameDecision {
  const headEnd = findHeadEnd(bytes);
  if (headEnd === -1 || headEnd > limits.maxHeaderBytes) {
    return bytes.length >= limits.maxHeaderBytes ? { state: 'capped', length: limits.maxHeaderBytes, cap: 'header' } : { state: 'need-more' };
  }
  const head = parseResponseHead(bytes.subarray(0, headEnd), protocol);
  // Not our protocol: nothing more to learn by reading on.
  if (!head.ok) return { state: 'complete', length: Math.min(bytes.length, headEnd) };
  const { status, headers } = head.value;
  const bodyCap = headEnd + limits.maxBodyBytes;
  const capped: FrameDecision = { state: 'capped', length: bodyCap, cap: 'body' };
  if (protocol === 'HTTP' && ((status >= 100 && status < 200) || status === 204 || status === 304)) return { state: 'complete', length: headEnd };
  if (protocol === 'HTTP' && isChunked(headers)) {
    const chunked = decodeChunked(bytes, headEnd, false);
    if (chunked.complete) return chunked.end > bodyCap ? capped : { state: 'complete', length: chunked.end };
    if (chunked.malformed) return bytes.length >= bodyCap ? capped : { state: 'need-more' };
    return bytes.length >= bodyCap ? capped : { state: 'need-more' };
  }
  const contentLength = contentLengthOf(headers);
  if (contentLength !== undefined) {
    const end = headEnd + contentLength;
    if (end <= bodyCap) return bytes.length >= end ? { state: 'complete', length: end } : { state: 'need-more' };
    return bytes.length >= bodyCap ? capped : { state: 'need-more' };
  }
  if (protocol === 'RTSP') return { state: 'complete', length: headEnd };
  return bytes.length >= bodyCap ? capped : { state: 'need-more' };
}

/**
 * The body's bytes after transfer decoding (chunked, or cut at Content-Length), and whether they are incomplete:
 * cut by our cap or deadline (`readTruncated`), head not finished, or shorter than the device declared.
 */
export function responseBodyBytes(
  bytes: Uint8Array,
  headers: Record<string, string>,
  bodyOffset: number | undefined,
  readTruncated: boolean,
): { bodyBytes: Uint8Array; truncated: boolean } {
  let truncated = readTruncated || bodyOffset === undefined;
  let bodyBytes: Uint8Array = bodyOffset === undefined ? new Uint8Array(0) : bytes.subarray(bodyOffset);
  if (bodyOffset !== undefined && isChunked(headers)) {
    const chunked = decodeChunked(bytes, bodyOffset);
    // Broken chunk framing: show the bytes as they came rather than nothing.
    if (!chunked.malformed || chunked.data.length > 0) {
      bodyBytes = chunked.data;
      if (!chunked.complete) truncated = true;
    }
  } else {
    const declared = contentLengthOf(headers);
    if (declared !== undefined) {
      if (bodyBytes.length < declared) truncated = true;
      else bodyBytes = bodyBytes.subarray(0, declared);
    }
  }
  return { bodyBytes, truncated };
}
