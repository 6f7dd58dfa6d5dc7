// The `camaudit identify` input: one observation per JSON line, as nested sections ({"http": {"headers": …}})
// or dotted keys ({"http.headers": …, "wsdiscovery.scopes": […]}), or a labelled corpus line
// ({"label": …, "observation": {…}}). Every value is checked; a bad line gives a reason, never a throw.
import { isIP } from 'node:net';
import type { JsonValue, Observation, Transport } from '../model.js';
import { type ObservationInput, adoptObservation, normaliseMac } from '../observation.js';
import { isRecord } from './validate-rules.js';
import { MATCH_LIMITS } from '../config.js';

export type ParseLineResult = { ok: true; observation: Observation } | { ok: false; reason: string };

const TRANSPORTS: readonly Transport[] = ['multicast', 'unicast', 'broadcast', 'tcp', 'table', 'offline'];

class LineError extends Error {}

function fail(message: string): never {
  throw new LineError(message);
}

function text(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail(`${path} must be a string`);
  return value;
}

function integer(value: unknown, path: string, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) fail(`${path} must be an integer from 0 to ${max}`);
  return value;
}

/** `http.favicon`: md5 hex and the signed 32-bit Shodan mmh3, as the banner probe records them. */
function favicon(value: unknown): { md5: string; mmh3: number; bytes: number } | undefined {
  const raw = section(value, 'http.favicon');
  if (!raw) return undefined;
  const md5 = text(raw.md5, 'http.favicon.md5');
  if (md5 === undefined || !/^[0-9a-f]{32}$/i.test(md5)) fail('http.favicon.md5 must be 32 hex digits');
  const mmh3 = raw.mmh3;
  if (typeof mmh3 !== 'number' || !Number.isInteger(mmh3) || mmh3 < -2147483648 || mmh3 > 2147483647) fail('http.favicon.mmh3 must be a signed 32-bit integer');
  return { bytes: integer(raw.bytes, 'http.favicon.bytes', 1 << 30) ?? 0, md5: md5.toLowerCase(), mmh3 };
}

/** `record` with its members in code-unit order of their names. */
function inNameOrder(record: Record<string, string>): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) sorted[key] = record[key]!;
  return sorted;
}

/**
 * A string map, members in code-unit order of their names; numbers and booleans are kept as text since devices are
 * inconsistent about types.
 */
function stringMap(value: unknown, path: string, lowerCaseKeys = false): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) fail(`${path} must be an object of strings`);
  const result: Record<string, string> = {};
  let previous: string | undefined;
  let ordered = true;
  // Keys rather than entries: no [key, value] pair allocated per header.
  for (const key of Object.keys(value)) {
    const raw = value[key];
    const name = lowerCaseKeys ? key.toLowerCase() : key;
    if (typeof raw === 'string') result[name] = raw;
    else if (typeof raw === 'number' || typeof raw === 'boolean') result[name] = String(raw);
    else if (raw !== null && raw !== undefined) fail(`${path}.${key} must be a string`);
    else continue;
    if (previous !== undefined && !(previous < name)) ordered = false;
    previous = name;
  }
  // Devices and tools mostly send names in their own order: then the few members are put in order once.
  return ordered ? result : inNameOrder(result);
}

/** A list of strings; a single space-separated string (as WS-Discovery sends Scopes and Types) is split. */
function stringList(value: unknown, path: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.split(/\s+/).filter((item) => item.length > 0);
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) fail(`${path} must be a list of strings`);
  return value as string[];
}

/**
 * mDNS TXT as an object, or in the DNS form: a list of `key=value` strings (RFC 6763 §6.3). A string without `=`
 * is a boolean attribute (its value is empty), and of a key given twice only the first counts (§6.4).
 */
function txtRecord(value: unknown): Record<string, string> | undefined {
  if (!Array.isArray(value)) return stringMap(value, 'mdns.txt');
  const result: Record<string, string> = {};
  for (const item of value) {
    if (typeof item !== 'string') fail('mdns.txt must be an object of strings or a list of "key=value" strings');
    const equals = item.indexOf('=');
    const key = equals < 0 ? item : item.slice(0, equals);
    if (key === '' || FORBIDDEN_KEY_PARTS.has(key) || Object.hasOwn(result, key)) continue;
    result[key] = equals < 0 ? '' : item.slice(equals + 1);
  }
  return inNameOrder(result);
}

// A source names a tool or protocol: kept as given, so it must stay a short word a log or a table can show.
const SOURCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,39}$/;

function section(value: unknown, path: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) fail(`${path} must be an object`);
  return value;
}

/** A copy without the undefined members (copied rather than deleted: `delete` turns objects into slow dictionaries). */
function defined<T extends object>(value: T): T {
  const result = {} as T;
  // for…in over a literal of this module (no inherited enumerable members): no array of keys allocated.
  for (const key in value) if (value[key] !== undefined) result[key] = value[key];
  return result;
}

/** Folds dotted top-level keys ("http.headers", "onvif.deviceInformation") into nested sections. */
// A dotted key is a path that this function walks and creates: a part that names the prototype chain would let a
// line write into Object.prototype of the whole process.
const FORBIDDEN_KEY_PARTS = new Set(['__proto__', 'prototype', 'constructor']);

function nestDottedKeys(raw: Record<string, unknown>): Record<string, unknown> {
  // Most lines use nested sections only: then the parsed object is used as it is, not copied.
  let dotted = false;
  for (const key in raw) {
    if (FORBIDDEN_KEY_PARTS.has(key)) fail(`key "${key}" names the prototype chain`);
    if (key.includes('.')) dotted = true;
  }
  if (!dotted) return raw;
  const nested: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.split('.').some((part) => FORBIDDEN_KEY_PARTS.has(part))) fail(`key "${key.slice(0, 80)}" names the prototype chain`);
    const dot = key.indexOf('.');
    if (dot < 0) {
      nested[key] = isRecord(value) && isRecord(nested[key]) ? { ...(nested[key] as object), ...value } : value;
      continue;
    }
    const parts = key.split('.');
    let target = nested;
    for (const part of parts.slice(0, -1)) {
      if (!isRecord(target[part])) target[part] = {};
      target = target[part] as Record<string, unknown>;
    }
    target[parts[parts.length - 1]!] = value;
  }
  return nested;
}

/** The members every line has, checked before the sections. */
interface LineBasics {
  source: string;
  ip: string;
  port: number | undefined;
  mac: string | undefined;
}

/** The deepest nesting a free-form section (dhip) may have: a hostile line cannot run a recursive walk out of stack. */
const MAX_FREE_FORM_DEPTH = 16;

/** A JSON value with every object's members in code-unit order (and no deeper than MAX_FREE_FORM_DEPTH). */
function inCodeUnitOrder(value: JsonValue, path: string, depth = 0): JsonValue {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_FREE_FORM_DEPTH) fail(`${path} is nested deeper than ${MAX_FREE_FORM_DEPTH} levels`);
  if (Array.isArray(value)) return value.map((item) => inCodeUnitOrder(item, path, depth + 1));
  const result: Record<string, JsonValue> = {};
  for (const key of Object.keys(value).sort()) result[key] = inCodeUnitOrder(value[key]!, path, depth + 1);
  return result;
}

/**
 * Reads the line's members into the observation being built (`result`, so nothing is copied twice), each object's
 * members assigned in code-unit order of their names: the observation is then its own canonical form, and its id
 * is hashed from JSON.stringify's text instead of a hand-built one (see adoptObservation).
 */
function readSections(raw: Record<string, unknown>, basics: LineBasics, result: ObservationInput): void {
  const dahuacgi = section(raw.dahuacgi, 'dahuacgi');
  if (dahuacgi) {
    result.dahuacgi = defined({
      magicBox: stringMap(dahuacgi.magicBox, 'dahuacgi.magicBox'),
      remoteDevice: stringMap(dahuacgi.remoteDevice, 'dahuacgi.remoteDevice'),
      t2uServer: stringMap(dahuacgi.t2uServer, 'dahuacgi.t2uServer'),
    });
  }
  const dhcp = stringMap(raw.dhcp, 'dhcp');
  if (dhcp) result.dhcp = dhcp;
  const dhip = section(raw.dhip, 'dhip');
  if (dhip) result.dhip = inCodeUnitOrder(dhip as Record<string, JsonValue>, 'dhip') as Record<string, JsonValue>;
  const host = section(raw.host, 'host');
  if (host) result.host = defined({ hostname: text(host.hostname, 'host.hostname'), macVendor: text(host.macVendor, 'host.macVendor') });
  const http = section(raw.http, 'http');
  if (http) result.http = defined({ body: text(http.body, 'http.body'), favicon: favicon(http.favicon), headers: stringMap(http.headers, 'http.headers', true) ?? {}, status: integer(http.status, 'http.status', 999), title: text(http.title, 'http.title'), url: text(http.url, 'http.url') });
  result.ip = basics.ip;
  const isapi = section(raw.isapi, 'isapi');
  if (isapi) result.isapi = defined({ channel: stringMap(isapi.channel, 'isapi.channel'), deviceInfo: stringMap(isapi.deviceInfo, 'isapi.deviceInfo'), ezviz: stringMap(isapi.ezviz, 'isapi.ezviz') });
  if (basics.mac !== undefined) result.mac = basics.mac;
  const mdns = section(raw.mdns, 'mdns');
  if (mdns) {
    result.mdns = defined({
      addresses: stringList(mdns.addresses, 'mdns.addresses'),
      host: text(mdns.host, 'mdns.host'),
      name: text(mdns.name, 'mdns.name'),
      port: integer(mdns.port, 'mdns.port', 65535),
      service: text(mdns.service, 'mdns.service'),
      txt: txtRecord(mdns.txt),
    });
  }
  const neighbour = section(raw.neighbour, 'neighbour');
  if (neighbour) result.neighbour = defined({ interface: text(neighbour.interface, 'neighbour.interface'), state: text(neighbour.state, 'neighbour.state') });
  const onvif = section(raw.onvif, 'onvif');
  if (onvif) result.onvif = defined({ deviceInformation: stringMap(onvif.deviceInformation, 'onvif.deviceInformation'), services: stringMap(onvif.services, 'onvif.services'), systemDateAndTime: text(onvif.systemDateAndTime, 'onvif.systemDateAndTime') });
  if (basics.port !== undefined) result.port = basics.port;
  const rtsp = section(raw.rtsp, 'rtsp');
  if (rtsp) result.rtsp = defined({ headers: stringMap(rtsp.headers, 'rtsp.headers', true) ?? {}, status: integer(rtsp.status, 'rtsp.status', 999) });
  const sadp = stringMap(raw.sadp, 'sadp');
  if (sadp) result.sadp = sadp;
  const service = section(raw.service, 'service');
  if (service) {
    result.service = defined({
      deviceType: text(service.deviceType, 'service.deviceType'),
      extrainfo: text(service.extrainfo, 'service.extrainfo'),
      name: text(service.name, 'service.name'),
      product: text(service.product, 'service.product'),
      tunnel: text(service.tunnel, 'service.tunnel'),
      version: text(service.version, 'service.version'),
    });
  }
  result.source = basics.source;
  const ssdp = section(raw.ssdp, 'ssdp');
  if (ssdp) result.ssdp = defined({ description: stringMap(ssdp.description, 'ssdp.description'), headers: stringMap(ssdp.headers, 'ssdp.headers', true) ?? {} });
  const switchPort = section(raw.switchPort, 'switchPort');
  if (switchPort) result.switchPort = defined({ port: text(switchPort.port, 'switchPort.port'), switch: text(switchPort.switch, 'switchPort.switch'), vlan: text(switchPort.vlan, 'switchPort.vlan') });
  const tls = section(raw.tls, 'tls');
  if (tls) result.tls = defined({ fingerprint256: text(tls.fingerprint256, 'tls.fingerprint256'), issuer: text(tls.issuer, 'tls.issuer'), serialNumber: text(tls.serialNumber, 'tls.serialNumber'), subject: text(tls.subject, 'tls.subject') });
  const via = section(raw.via, 'via');
  if (via) {
    const ip = text(via.ip, 'via.ip');
    const channel = integer(via.channel, 'via.channel', 65535);
    if (ip === undefined || isIP(ip) === 0 || channel === undefined) fail('via needs an ip and a channel');
    result.via = defined({ channel, ip, port: integer(via.port, 'via.port', 65535) });
  }
  const wsd = section(raw.wsdiscovery, 'wsdiscovery');
  if (wsd) {
    result.wsdiscovery = defined({
      endpoint: text(wsd.endpoint, 'wsdiscovery.endpoint'),
      metadataVersion: integer(wsd.metadataVersion, 'wsdiscovery.metadataVersion', Number.MAX_SAFE_INTEGER),
      scopes: stringList(wsd.scopes, 'wsdiscovery.scopes') ?? [],
      types: stringList(wsd.types, 'wsdiscovery.types') ?? [],
      xaddrs: stringList(wsd.xaddrs, 'wsdiscovery.xaddrs') ?? [],
    });
  }
}

export interface ParseLineContext {
  site: string;
  agent: string;
  /** The ISO time stamped on lines that carry none (a reader of many lines stamps them once per batch). */
  observedAt?: string;
  /**
   * False: a line's own `id` is checked but not kept, and the observation keeps the id hashed from its content
   * (an import files what was seen under the id that content gives, whatever a line says).
   */
  keepGivenId?: boolean;
}

export function parseObservationLine(line: string, context: ParseLineContext): ParseLineResult {
  if (line.length > MATCH_LIMITS.maxObservationLineChars) return { ok: false, reason: `line longer than ${MATCH_LIMITS.maxObservationLineChars} characters` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(line) as unknown;
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  if (!isRecord(parsed)) return { ok: false, reason: 'a line must be a JSON object' };
  try {
    const raw = nestDottedKeys(isRecord(parsed.observation) ? parsed.observation : parsed);
    const source = raw.source;
    if (typeof source !== 'string' || !SOURCE_PATTERN.test(source)) fail('source must name a tool or protocol: up to 40 letters, digits and _ . : / -');
    const macText = text(raw.mac, 'mac');
    const mac = macText === undefined ? undefined : normaliseMac(macText);
    if (macText !== undefined && !mac) fail(`mac "${macText.slice(0, 80)}" is not a MAC address`);
    // A MAC alone (a switch's table) is enough to identify by its OUI; otherwise the address is what names the device.
    const ip = text(raw.ip, 'ip') ?? (mac ? '' : undefined);
    if (ip === undefined || (ip === '' && !mac)) fail('ip (an IPv4 or IPv6 address) or mac is required');
    if (ip !== '' && isIP(ip) === 0) fail('ip must be an IPv4 or IPv6 address');
    const transport = text(raw.transport, 'transport');
    if (transport !== undefined && !TRANSPORTS.includes(transport as Transport)) fail(`transport must be one of ${TRANSPORTS.join(', ')}`);
    const port = integer(raw.port, 'port', 65535);
    const interfaceName = text(raw.interface, 'interface');
    // Built in code-unit order of member names (readSections); transport and interface are not part of the id and
    // join after it is taken.
    const input = {} as ObservationInput;
    readSections(raw, { source, ip, port, mac }, input);
    const observedAt = text(raw.observedAt, 'observedAt');
    const when = observedAt !== undefined ? new Date(observedAt) : undefined;
    if (when && Number.isNaN(when.getTime())) fail('observedAt must be an ISO 8601 time');
    const site = text(raw.site, 'site') ?? context.site;
    const agent = text(raw.agent, 'agent') ?? context.agent;
    const scanId = text(raw.scanId, 'scanId');
    // `input` is this line's own object: adopted, not copied.
    const observedAtText = when ? when.toISOString() : context.observedAt;
    // One literal of one shape (no spreads): this runs once per line.
    const observation = adoptObservation(input, { site, agent, plainJsonInCodeUnitOrder: true, scanId: scanId || undefined, observedAt: observedAtText || undefined });
    if (transport !== undefined) observation.transport = transport as Transport;
    if (interfaceName !== undefined) observation.interface = interfaceName;
    const id = text(raw.id, 'id');
    if (id && context.keepGivenId !== false) observation.id = id;
    return { ok: true, observation };
  } catch (error) {
    if (error instanceof LineError) return { ok: false, reason: error.message };
    throw error;
  }
}
