// Favicon hashes, the two forms public fingerprint sets use: MD5 of the bytes (hex, as Rapid7 Recog's
// favicons.xml) and Shodan's `http.favicon.hash` (projectdiscovery/nuclei-templates
// http/cves/2021/CVE-2021-36260.yaml). Pure; no dependency, because the
// MurmurHash3 variant Shodan uses is small and its exact input (base64 with line breaks) matters more than speed.
import { createHash } from 'node:crypto';


export interface FaviconHashes {
  /** MD5 of the raw bytes, lower-case hex. */
  md5: string;
  /** Shodan's favicon hash: MurmurHash3 x86 32-bit, seed 0, signed, over `base64.encodebytes(bytes)`. */
  mmh3: number;
  /** Length of the favicon in bytes. */
  bytes: number;
}

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function rotl32(value: number, shift: number): number {
  return ((value << shift) | (value >>> (32 - shift))) >>> 0;
}

/** MurmurHash3 x86 32-bit (Austin Appleby's reference `MurmurHash3_x86_32`), unsigned result. */
export function murmur3x86_32(data: Uint8Array, seed = 0): number {
  const length = data.length;
  const blockEnd = length - (length % 4);
  let hash = seed >>> 0;
  for (let offset = 0; offset < blockEnd; offset += 4) {
    let k = (data[offset]! | (data[offset + 1]! << 8) | (data[offset + 2]! << 16) | (data[offset + 3]! << 24)) >>> 0;
    k = Math.imul(k, C1);
    k = rotl32(k, 15);
    k = Math.imul(k, C2);
    hash ^= k;
    hash = rotl32(hash, 13);
    hash = (Math.imul(hash, 5) + 0xe6546b64) >>> 0;
  }
  // The 1–3 trailing bytes, little-endian, as the reference's fall-through switch reads them.
  const remaining = length - blockEnd;
  if (remaining > 0) {
    let tail = 0;
    for (let index = remaining - 1; index >= 0; index -= 1) tail = (tail << 8) | data[blockEnd + index]!;
    tail = Math.imul(tail, C1);
    tail = rotl32(tail, 15);
    tail = Math.imul(tail, C2);
    hash ^= tail;
  }
  hash ^= length;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** An unsigned 32-bit value as the signed int32 Python's `mmh3.hash` returns. */
export function toSignedInt32(value: number): number {
  return value | 0;
}

/** Base64 as Python's `base64.encodebytes` writes it: a newline after every 76 characters and at the end. */
export function base64EncodeBytes(bytes: Uint8Array): string {
  const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let text = '';
  for (let start = 0; start < base64.length; start += 76) text += `${base64.slice(start, start + 76)}\n`;
  return text;
}

export function faviconHashes(bytes: Uint8Array): FaviconHashes {
  const md5 = createHash('md5').update(bytes).digest('hex');
  const mmh3 = toSignedInt32(murmur3x86_32(Buffer.from(base64EncodeBytes(bytes), 'latin1'), 0));
  return { md5, mmh3, bytes: bytes.length };
}
