import * as crypto from 'node:crypto';
import type { Observation, ObservationSections, Transport } from './model.js';
import { jsonString } from './json-string.js';
import { CamauditError } from './errors.js';

export interface ObservationContext {
  site: string;
  agent: string;
  scanId?: string;
  /** Injected for tests; defaults to the wall clock. */
  now?: () => Date;
  /** The ISO time of the sighting, when the caller stamps many at once (it wins over `now`). */
  observedAt?: string;
  /**
   * The input holds JSON values only (as JSON.parse makes them: plain objects, no toJSON) and builds every object
   * in code-unit order of member names: its id may then be hashed from JSON.stringify's text when a check agrees.
   */
  plainJsonInCodeUnitOrder?: boolean;
}

export interface ObservationInput extends ObservationSections {
  transport?: Transport;
  interface?: string;
}

/**
 * How deep an observation may nest: far more than any protocol section needs (dhip keeps a device's nested JSON),
 * and little enough that hashing it cannot exhaust the stack, whatever an agent pushes.
 */
const MAX_CANONICAL_DEPTH = 64;

/** Canonical JSON: object keys sorted (by UTF-16 code units), undefined members left out, so the same fields always hash the same. */
export function canonicalJson(value: unknown, depth = 0): string {
  if (typeof value === 'string') return jsonString(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (depth >= MAX_CANONICAL_DEPTH) throw new CamauditError('CAMAUDIT_ERR_BAD_OBSERVATION', `an observation is nested deeper than ${MAX_CANONICAL_DEPTH} levels`);
  // Loops and string concatenation rather than entries/filter/map/join: this runs for every observation of an
  // import or of `camaudit identify`, a million times over.
  if (Array.isArray(value)) return canonicalArray(value, depth);
  return canonicalRecord(value as Record<string, unknown>, depth);
}

function canonicalArray(list: readonly unknown[], depth: number): string {
  // A list of plain values (scopes, types, XAddrs: the common case) is already canonical as JSON.stringify writes it.
  let plain = true;
  for (const item of list) {
    if (item === undefined || (item !== null && typeof item === 'object')) {
      plain = false;
      break;
    }
  }
  if (plain) return JSON.stringify(list);
  let text = '[';
  for (let index = 0; index < list.length; index += 1) text += (index > 0 ? ',' : '') + canonicalJson(list[index], depth + 1);
  return `${text}]`;
}

// Member names repeat across observations (source, ip, http, headers, server, …): each is quoted once. Bounded, since
// header names come from devices.
const QUOTED_KEYS = new Map<string, string>();
const MAX_QUOTED_KEYS = 4096;

function quotedKey(key: string): string {
  let quoted = QUOTED_KEYS.get(key);
  if (quoted === undefined) {
    quoted = jsonString(key);
    if (QUOTED_KEYS.size < MAX_QUOTED_KEYS) QUOTED_KEYS.set(key, quoted);
  }
  return quoted;
}

/** `canonicalJson` of an object, without the members named in `skip`. */
function canonicalRecord(record: Record<string, unknown>, depth: number, skip?: ReadonlySet<string>): string {
  const keys = Object.keys(record).sort();
  let text = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined || skip?.has(key)) continue;
    text += (first ? '' : ',') + quotedKey(key) + ':' + canonicalJson(member, depth + 1);
    first = false;
  }
  return `${text}}`;
}

// Header values that change on every response (clock, session, challenge nonce) would give the same device a new
// observation id each scan; they are kept in the observation but left out of its id.
const VOLATILE_HEADERS = new Set(['date', 'expires', 'set-cookie', 'last-modified', 'etag', 'age', 'cseq', 'session']);
const VOLATILE_CHALLENGE = /\b(nonce|opaque|cnonce)="[^"]*"/gi;

function hasVolatileHeader(headers: Record<string, string>): boolean {
  for (const name in headers) if (VOLATILE_HEADERS.has(name) || name === 'www-authenticate') return true;
  return false;
}

function stableHeaders(headers: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!headers || !hasVolatileHeader(headers)) return headers;
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (VOLATILE_HEADERS.has(name)) continue;
    kept[name] = name === 'www-authenticate' ? value.replace(VOLATILE_CHALLENGE, '$1=""') : value;
  }
  return kept;
}

/** The sections as hashed: volatile header values removed. */
function identitySections(sections: ObservationSections): ObservationSections {
  const volatile = (headers: Record<string, string> | undefined): boolean => headers !== undefined && hasVolatileHeader(headers);
  if (!volatile(sections.http?.headers) && !volatile(sections.rtsp?.headers) && !volatile(sections.ssdp?.headers)) return sections;
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
// crypto.hash (Node 20.12 and later) hashes in one call, without a Hash object per observation.
const sha256Hex: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

/** Input members that say how a sighting arrived, not what was seen: left out of its id. */
const NOT_HASHED: ReadonlySet<string> = new Set(['transport', 'interface']);

function idOf(site: string, sections: ObservationSections, skip?: ReadonlySet<string>): string {
  return sha256Hex(`${site}\0${canonicalRecord(identitySections(sections) as Record<string, unknown>, 0, skip)}`).slice(0, 32);
}

/** True when every object in `value` enumerates its members in code-unit order: JSON.stringify then writes canonicalJson's text. */
function enumeratesInCodeUnitOrder(value: object, depth: number): boolean {
  if (depth > MAX_CANONICAL_DEPTH) return false;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (item !== null && typeof item === 'object' && !enumeratesInCodeUnitOrder(item, depth + 1)) return false;
    return true;
  }
  let previous: string | undefined;
  for (const key in value) {
    if (previous !== undefined && !(previous < key)) return false;
    previous = key;
    const member = (value as Record<string, unknown>)[key];
    if (member !== null && typeof member === 'object' && !enumeratesInCodeUnitOrder(member, depth + 1)) return false;
  }
  return true;
}

/**
 * The id of plain JSON input built in code-unit order (parse-line does so), from JSON.stringify's text: one native
 * call instead of a string pieced together and then flattened for the hash, the largest cost of reading a line.
 * Undefined when the input is not in that form (a member out of order, volatile headers, a member not hashed): the
 * caller then takes the general path, so the id is the same either way (test/unit/observation-id.test.ts).
 */
function idOfOrdered(site: string, input: ObservationInput): string | undefined {
  if (input.transport !== undefined || input.interface !== undefined || identitySections(input) !== input) return undefined;
  if (!enumeratesInCodeUnitOrder(input, 0)) return undefined;
  return sha256Hex(`${site}\0${JSON.stringify(input)}`).slice(0, 32);
}

export function observationId(site: string, sections: ObservationSections): string {
  return idOf(site, sections);
}

export function createObservation(input: ObservationInput, context: ObservationContext): Observation {
  // One copy of the input: transport and interface stay in it (they are the observation's too) but not in its id.
  return adoptObservation({ ...input }, context);
}

/**
 * `createObservation` for a caller that hands over an input object of its own making (a parsed line): the
 * observation is that object, with its id and context added, rather than a copy of it (a million lines, a million
 * copies saved).
 */
export function adoptObservation(input: ObservationInput, context: ObservationContext): Observation {
  const observation = input as Observation;
  observation.id = (context.plainJsonInCodeUnitOrder === true ? idOfOrdered(context.site, input) : undefined) ?? idOf(context.site, input, NOT_HASHED);
  observation.site = context.site;
  observation.agent = context.agent;
  observation.observedAt = context.observedAt ?? (context.now?.() ?? new Date()).toISOString();
  if (context.scanId !== undefined) observation.scanId = context.scanId;
  return observation;
}

/** The MAC normaliser lives in src/net/mac.ts; re-exported for the parsers that take it from here. */
export { normaliseMac } from './net/mac.js';
