import { createHash } from 'node:crypto';
import type { Observation, ObservationSections, Transport } from './model.js';

export interface ObservationContext {
  site: string;
  agent: string;
  scanId?: string;
  /** Injected for tests; defaults to the wall clock. */
  now?: () => Date;
}

export interface ObservationInput extends ObservationSections {
  transport?: Transport;
  interface?: string;
}

/** Canonical JSON: object keys sorted, so the same fields always hash the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

// Header values that change on every response (clock, session, challenge nonce) would give the same device a new
// observation id each scan; they are kept in the observation but left out of its id.
const VOLATILE_HEADERS = new Set(['date', 'expires', 'set-cookie', 'last-modified', 'etag', 'age', 'cseq', 'session']);
const VOLATILE_CHALLENGE = /\b(nonce|opaque|cnonce)="[^"]*"/gi;

function stableHeaders(headers: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!headers) return headers;
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (VOLATILE_HEADERS.has(name)) continue;
    kept[name] = name === 'www-authenticate' ? value.replace(VOLATILE_CHALLENGE, '$1=""') : value;
  }
  return kept;
}

/** The sections as hashed: volatile header values removed. */
function identitySections(sections: ObservationSections): ObservationSections {
  const hashed: ObservationSections = { ...sections };
  if (sections.http) hashed.http = { ...sections.http, headers: stableHeaders(sections.http.headers) ?? {} };
  if (sections.rtsp) hashed.rtsp = { ...sections.rtsp, headers: stableHeaders(sections.rtsp.headers) ?? {} };
  if (sections.ssdp) hashed.ssdp = { ...sections.ssdp, headers: stableHeaders(sections.ssdp.headers) ?? {} };
  return hashed;
}

/**
 * The id of an observation is a hash of what was seen (site, source, ip, port, mac and protocol fields),
 * not of when: two agents or two scans that see the same thing produce the same id, which lets a
 * central store deduplicate without coordination.
 */
export function observationId(site: string, sections: ObservationSections): string {
  return createHash('sha256').update(site).update('\0').update(canonicalJson(identitySections(sections))).digest('hex').slice(0, 32);
}

export function createObservation(input: ObservationInput, context: ObservationContext): Observation {
  const { transport, interface: interfaceName, ...sections } = input;
  const observation: Observation = {
    ...sections,
    id: observationId(context.site, sections),
    site: context.site,
    agent: context.agent,
    observedAt: (context.now?.() ?? new Date()).toISOString(),
  };
  if (context.scanId !== undefined) observation.scanId = context.scanId;
  if (transport !== undefined) observation.transport = transport;
  if (interfaceName !== undefined) observation.interface = interfaceName;
  return observation;
}

/** The MAC normaliser lives in src/net/mac.ts; re-exported for the parsers that take it from here. */
export { normaliseMac } from './net/mac.js';
