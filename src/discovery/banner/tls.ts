// A peer certificate (as Node's tls socket gives it) → the TlsSection we record. We never trust the certificate;
// we describe it. Every field is read from `unknown` and checked, and nothing here throws.
import { X509Certificate } from 'node:crypto';
import type { TlsSection } from '../../model.js';
import { capChars, sanitizeLine } from '../http/text.js';
import { PARSE_LIMITS } from '../../config.js';

/**
 * Attribute order of the subject and issuer strings: CN, OU, O, L, ST, C, then any others alphabetically.
 * This is the RFC 4514 order for the usual X.509 encoding (C first on the wire, printed last) and the form signature
 * sets use, e.g. recog's `CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN` (rapid7/recog xml/x509_subjects.xml).
 * A fixed order rather than the wire order: Node's subject object does not reliably keep the certificate's RDN
 * sequence, and a stable string lets one rule match whatever order the device's firmware encoded.
 */
export const DN_ATTRIBUTE_ORDER = ['CN', 'OU', 'O', 'L', 'ST', 'C'] as const;


function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 4514 §2.4 escaping of one attribute value. */
function escapeDnValue(value: string): string {
  return value.replace(/[,+"\\<>;]/g, (character) => `\\${character}`).replace(/^([ #])/, '\\$1').replace(/ $/, '\\ ');
}

/** `CN=…,OU=…,O=…` from Node's subject/issuer object (values may be strings or arrays for repeated attributes). */
export function formatDistinguishedName(name: unknown): string | undefined {
  if (!isRecord(name)) return undefined;
  const keys = Object.keys(name);
  const known = DN_ATTRIBUTE_ORDER.filter((key) => keys.includes(key));
  const others = keys.filter((key) => !(DN_ATTRIBUTE_ORDER as readonly string[]).includes(key)).sort();
  const parts: string[] = [];
  for (const key of [...known, ...others]) {
    const raw = name[key];
    const values = Array.isArray(raw) ? raw : [raw];
    for (const value of values) {
      if (typeof value === 'string') parts.push(`${sanitizeLine(key)}=${escapeDnValue(sanitizeLine(value))}`);
    }
  }
  return parts.length > 0 ? capChars(parts.join(','), PARSE_LIMITS.maxDistinguishedNameChars) : undefined;
}

/** Node prints validity as `Mar 10 12:00:00 2024 GMT`; we store ISO 8601, or the text as given if unparseable. */
function isoDate(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? capChars(sanitizeLine(value), 64) : new Date(time).toISOString();
}

function shortString(value: unknown, maxChars: number): string | undefined {
  return typeof value === 'string' && value !== '' ? capChars(sanitizeLine(value), maxChars) : undefined;
}

/**
 * Self-signed means the certificate verifies with its own public key and names itself as issuer. Checked on
 * the DER when Node gives it (a hostile certificate that OpenSSL cannot re-read falls back to comparing names).
 */
function isSelfSigned(cert: Record<string, unknown>, subject: string | undefined, issuer: string | undefined): boolean | undefined {
  const raw = cert['raw'];
  if (raw instanceof Uint8Array && raw.length > 0) {
    try {
      const x509 = new X509Certificate(raw);
      return x509.checkIssued(x509) && x509.verify(x509.publicKey);
    } catch {
      // Unreadable or unsupported key type: the name comparison below is the best remaining answer.
    }
  }
  if (subject === undefined || issuer === undefined) return undefined;
  return subject === issuer;
}

/** Undefined when the peer sent no certificate (Node gives `{}` then). */
export function certificateToTlsSection(cert: unknown): TlsSection | undefined {
  if (!isRecord(cert) || Object.keys(cert).length === 0) return undefined;
  const section: TlsSection = {};
  const subject = formatDistinguishedName(cert['subject']);
  const issuer = formatDistinguishedName(cert['issuer']);
  if (subject !== undefined) section.subject = subject;
  if (issuer !== undefined) section.issuer = issuer;
  const serialNumber = shortString(cert['serialNumber'], 128);
  if (serialNumber !== undefined) section.serialNumber = serialNumber;
  const validFrom = isoDate(cert['valid_from']);
  if (validFrom !== undefined) section.validFrom = validFrom;
  const validTo = isoDate(cert['valid_to']);
  if (validTo !== undefined) section.validTo = validTo;
  const fingerprint256 = shortString(cert['fingerprint256'], 128);
  if (fingerprint256 !== undefined) section.fingerprint256 = fingerprint256;
  const selfSigned = isSelfSigned(cert, subject, issuer);
  if (selfSigned !== undefined) section.selfSigned = selfSigned;
  return section;
}
