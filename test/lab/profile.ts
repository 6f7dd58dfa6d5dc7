// The emulated-device profile: one JSON file per device in test/lab/profiles/. It says where the device sits on the
// lab network, what it answers on each protocol, where every answered fact comes from, and what camaudit is expected
// to conclude about it. Profiles enter as `unknown` and leave parseProfile() typed or with every problem listed.
//
// Only http, https and rtsp sections are checked here; other protocol sections (sadp, dhip, wsdiscovery, ssdp, mdns,
// onvif) belong to the responders that read them and stay `unknown` until their responder validates them.

import type { DeviceClass } from '../../src/model.js';
import { JsonReader } from './validate.js';

export type SegmentName = 'lan' | 'lan2' | 'routed';
export const SEGMENT_NAMES: readonly SegmentName[] = ['lan', 'lan2', 'routed'];

const DEVICE_CLASSES = [
  'camera',
  'nvr',
  'dvr',
  'intercom',
  'doorbell',
  'access-control',
  'printer',
  'router',
  'other',
  'unknown',
] as const satisfies readonly DeviceClass[];

/** Header name → value, sent in the order written; an array repeats the header (two WWW-Authenticate lines). */
export type HeaderMap = Record<string, string | string[]>;

export interface HttpReply {
  status: number;
  /** Reason phrase; default the standard one for the status. */
  reason?: string;
  /** Default 1.1. Some embedded servers answer HTTP/1.0. */
  httpVersion?: '1.0' | '1.1';
  headers?: HeaderMap;
  /** UTF-8 text; templates such as {{identity.model}} are filled in by the responder. */
  body?: string;
  /** Binary body instead of `body`. */
  bodyBase64?: string;
  /** Send the body this many times (large bodies for bound tests without a large profile); default 1. */
  bodyRepeat?: number;
  /** Wait this long before answering (slow devices). */
  delayMs?: number;
  /** Never answer; keep the connection open until the client gives up (tarpits). */
  hang?: boolean;
  /** Send exactly these bytes instead of a rendered response (malformed answers for hostile tests). */
  rawBase64?: string;
}

/** A route behind HTTP Digest (RFC 7616, MD5, qop=auth), as Hikvision ISAPI and Dahua CGI are. */
export interface DigestProtection {
  realm: string;
  users: { username: string; password: string }[];
  /** Body of the 401 answer (default empty). */
  unauthorizedBody?: string;
}

export interface HttpRoute extends HttpReply {
  /** Default GET; a GET route also answers HEAD. */
  method?: string;
  /** Answer only a valid Digest answer to a challenge this device issued; anything else gets a 401 challenge. */
  digest?: DigestProtection;
  /** Exact path (query ignored unless the route's path has one); a trailing `*` matches a prefix. */
  path: string;
}

export interface HttpResponderConfig {
  ports: number[];
  /** Headers on every response, before the route's own (e.g. Server). */
  headers?: HeaderMap;
  routes: HttpRoute[];
  /** Reply when no route matches; default a bare 404. */
  notFound?: HttpReply;
}

export interface TlsCertificateConfig {
  /** RFC 4514 order as a scanner prints it, e.g. `CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,…,C=CN`. */
  subject: string;
  /** Default rsa (2048 bits). */
  keyType?: 'rsa' | 'ec';
  /** Validity in days; default 3650. */
  days?: number;
}

export interface HttpsResponderConfig {
  ports: number[];
  certificate: TlsCertificateConfig;
  /** Omitted: the device's http section's headers, routes and notFound are served over TLS too. */
  headers?: HeaderMap;
  routes?: HttpRoute[];
  notFound?: HttpReply;
}

export interface RtspResponderConfig {
  ports: number[];
  /** Headers on every response (e.g. Server); CSeq is always echoed first unless placed here as {{cseq}}. */
  headers?: HeaderMap;
  /** Extra headers of the 200 answer to OPTIONS (Public, Date, …). */
  options?: { headers?: HeaderMap };
  /** Headers of the 401 answer to DESCRIBE, SETUP, PLAY, … (WWW-Authenticate with the device's realm). */
  unauthorized: { headers: HeaderMap };
}

export interface DeviceProtocols {
  http?: HttpResponderConfig;
  https?: HttpsResponderConfig;
  rtsp?: RtspResponderConfig;
  /** Sections for responders owned elsewhere (sadp, dhip, wsdiscovery, ssdp, mdns, onvif): validated by them. */
  [protocol: string]: unknown;
}

/** What the device is, for responders to template replies from (SADP DeviceSN, DHIP SerialNo, mDNS names …). */
export type DeviceIdentity = Record<string, string | number | boolean>;

export interface ProfileSource {
  /** What the fact is, e.g. `http Server: App-webs/`. */
  fact: string;
  /** Where it comes from: the public source (RFC, vendor document, public repository file, issue thread, a fixture
   * of this repository and its origin), or `synthetic` with why. */
  source: string;
}

/** What the end-to-end test asserts camaudit concludes about this device. */
export interface ProfileExpectation {
  vendor: string | null;
  brand: string | null;
  covered: boolean;
  deviceClass: DeviceClass;
  isCamera: boolean;
}

export interface DeviceProfile {
  /** Unique, short: [a-z0-9-], at most 24 characters (it becomes part of a namespace name). */
  name: string;
  description: string;
  /** Started by startLab() when no profile list is given. */
  default?: boolean;
  /** `router`: runs in the lab's router namespace (10.231.1.1) instead of a namespace of its own. */
  role?: 'device' | 'router';
  segment: SegmentName;
  ip: string;
  /** Lower-case, colon-separated; its OUI must belong to `ouiOrganisation` in the IEEE registry (oui-data). */
  mac: string;
  ouiOrganisation: string;
  /**
   * false: the device's interface neither answers nor sends ARP (`ip link set eth0 arp off`), so the scanner's
   * kernel never holds a neighbour entry for it; it can only reply to multicast groups (hostile-udp `replyTo`).
   */
  arp?: boolean;
  identity: DeviceIdentity;
  protocols: DeviceProtocols;
  sources: ProfileSource[];
  expect: ProfileExpectation;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export const PROFILE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,23}$/;
export const PROTOCOL_KEY_PATTERN = /^[a-z][a-z0-9-]{0,23}$/;
const IPV4_PATTERN = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const MAC_PATTERN = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;
const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const TOP_KEYS = ['name', 'description', 'default', 'role', 'segment', 'ip', 'mac', 'ouiOrganisation', 'arp', 'identity', 'protocols', 'sources', 'expect', '$comment'];

/** Checks a profile's shape and values. Never throws. */
export function parseProfile(value: unknown): ParseResult<DeviceProfile> {
  const r = new JsonReader();
  const root = r.object(value, '');
  if (!root) return failure(r);
  r.noExtraKeys(root, '', TOP_KEYS);
  const name = r.string(root.name, 'name', PROFILE_NAME_PATTERN);
  const description = r.string(root.description, 'description');
  const isDefault = root.default === undefined ? undefined : r.boolean(root.default, 'default');
  const role = root.role === undefined ? undefined : r.oneOf(root.role, 'role', ['device', 'router'] as const);
  const segment = r.oneOf(root.segment, 'segment', SEGMENT_NAMES);
  const ip = r.string(root.ip, 'ip', IPV4_PATTERN);
  const mac = r.string(root.mac, 'mac', MAC_PATTERN);
  if (mac && (parseInt(mac.slice(0, 2), 16) & 1) === 1) r.problem('mac', 'is a multicast address');
  const ouiOrganisation = r.string(root.ouiOrganisation, 'ouiOrganisation');
  const arp = root.arp === undefined ? undefined : r.boolean(root.arp, 'arp');
  const identity = readIdentity(r, root.identity);
  const protocols = readProtocols(r, root.protocols);
  const sources = readSources(r, root.sources);
  const expect = readExpectation(r, root.expect);
  if (r.problems.length > 0) return failure(r);
  const profile: DeviceProfile = {
    name: name!,
    description: description!,
    segment: segment!,
    ip: ip!,
    mac: mac!,
    ouiOrganisation: ouiOrganisation!,
    identity: identity!,
    protocols: protocols!,
    sources: sources!,
    expect: expect!,
  };
  if (isDefault !== undefined) profile.default = isDefault;
  if (role !== undefined) profile.role = role;
  if (arp !== undefined) profile.arp = arp;
  return { ok: true, value: profile };
}

function failure(r: JsonReader): { ok: false; reason: string } {
  return { ok: false, reason: r.problems.join('; ') };
}

function readIdentity(r: JsonReader, value: unknown): DeviceIdentity | undefined {
  const object = r.object(value, 'identity');
  if (!object) return undefined;
  const identity: DeviceIdentity = {};
  for (const [key, field] of Object.entries(object)) {
    if (typeof field === 'string' || typeof field === 'number' || typeof field === 'boolean') identity[key] = field;
    else r.problem(`identity.${key}`, 'expected a string, number or boolean');
  }
  return identity;
}

function readProtocols(r: JsonReader, value: unknown): DeviceProtocols | undefined {
  const object = r.object(value, 'protocols');
  if (!object) return undefined;
  const protocols: DeviceProtocols = {};
  for (const [key, section] of Object.entries(object)) {
    // The key names a responder module file, so it must never carry a path.
    if (!PROTOCOL_KEY_PATTERN.test(key)) {
      r.problem(`protocols.${key}`, `protocol names match ${String(PROTOCOL_KEY_PATTERN)}`);
      continue;
    }
    if (key === 'http') protocols.http = readHttp(r, section, 'protocols.http');
    else if (key === 'https') protocols.https = readHttps(r, section, 'protocols.https');
    else if (key === 'rtsp') protocols.rtsp = readRtsp(r, section, 'protocols.rtsp');
    else protocols[key] = section;
  }
  return protocols;
}

function readPorts(r: JsonReader, value: unknown, path: string): number[] {
  const list = r.array(value, path) ?? [];
  if (list.length === 0) r.problem(path, 'needs at least one port');
  return list.flatMap((port, index) => r.integer(port, `${path}[${index}]`, 1, 65535) ?? []);
}

function readHeaders(r: JsonReader, value: unknown, path: string): HeaderMap | undefined {
  if (value === undefined) return undefined;
  const object = r.object(value, path);
  if (!object) return undefined;
  const headers: HeaderMap = {};
  for (const [name, field] of Object.entries(object)) {
    if (!HEADER_NAME_PATTERN.test(name)) r.problem(`${path}.${name}`, 'is not a valid header name');
    const values = Array.isArray(field) ? field : [field];
    const texts = values.flatMap((item, index) => r.string(item, `${path}.${name}${Array.isArray(field) ? `[${index}]` : ''}`) ?? []);
    if (texts.some((text) => /[\r\n]/.test(text))) r.problem(`${path}.${name}`, 'must not contain CR or LF');
    headers[name] = Array.isArray(field) ? texts : (texts[0] ?? '');
  }
  return headers;
}

const REPLY_KEYS = ['status', 'reason', 'httpVersion', 'headers', 'body', 'bodyBase64', 'bodyRepeat', 'delayMs', 'hang', 'rawBase64', '$comment'];

function readReply(r: JsonReader, object: Record<string, unknown>, path: string): HttpReply {
  const reply: HttpReply = { status: r.integer(object.status, `${path}.status`, 100, 599) ?? 0 };
  const reason = r.optionalString(object.reason, `${path}.reason`, /^[^\r\n]*$/);
  if (reason !== undefined) reply.reason = reason;
  if (object.httpVersion !== undefined) {
    const version = r.oneOf(object.httpVersion, `${path}.httpVersion`, ['1.0', '1.1'] as const);
    if (version) reply.httpVersion = version;
  }
  const headers = readHeaders(r, object.headers, `${path}.headers`);
  if (headers) reply.headers = headers;
  const body = r.optionalString(object.body, `${path}.body`);
  if (body !== undefined) reply.body = body;
  const bodyBase64 = r.optionalString(object.bodyBase64, `${path}.bodyBase64`, /^[A-Za-z0-9+/=\s]*$/);
  if (bodyBase64 !== undefined) reply.bodyBase64 = bodyBase64;
  if (body !== undefined && bodyBase64 !== undefined) r.problem(path, 'has both body and bodyBase64');
  if (object.bodyRepeat !== undefined) reply.bodyRepeat = r.integer(object.bodyRepeat, `${path}.bodyRepeat`, 1, 1_000_000);
  if (object.delayMs !== undefined) reply.delayMs = r.integer(object.delayMs, `${path}.delayMs`, 0, 600_000);
  if (object.hang !== undefined) reply.hang = r.boolean(object.hang, `${path}.hang`);
  const rawBase64 = r.optionalString(object.rawBase64, `${path}.rawBase64`, /^[A-Za-z0-9+/=\s]*$/);
  if (rawBase64 !== undefined) reply.rawBase64 = rawBase64;
  return reply;
}

function readRoutes(r: JsonReader, value: unknown, path: string): HttpRoute[] {
  const list = r.array(value, path) ?? [];
  return list.flatMap((item, index) => {
    const routePath = `${path}[${index}]`;
    const object = r.object(item, routePath);
    if (!object) return [];
    r.noExtraKeys(object, routePath, ['method', 'path', 'digest', ...REPLY_KEYS]);
    const route: HttpRoute = { ...readReply(r, object, routePath), path: r.string(object.path, `${routePath}.path`, /^\/\S*$/) ?? '/' };
    const digest = readDigest(r, object.digest, `${routePath}.digest`);
    if (digest) route.digest = digest;
    const method = r.optionalString(object.method, `${routePath}.method`, /^[A-Z]+$/);
    if (method !== undefined) route.method = method;
    return [route];
  });
}

function readDigest(r: JsonReader, value: unknown, path: string): DigestProtection | undefined {
  if (value === undefined) return undefined;
  const object = r.object(value, path);
  if (!object) return undefined;
  r.noExtraKeys(object, path, ['realm', 'users', 'unauthorizedBody', '$comment']);
  const realm = r.string(object.realm, `${path}.realm`, /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/) ?? '';
  const users = (r.array(object.users, `${path}.users`) ?? []).flatMap((item, index) => {
    const user = r.object(item, `${path}.users[${index}]`);
    if (!user) return [];
    const username = r.string(user.username, `${path}.users[${index}].username`);
    const password = r.string(user.password, `${path}.users[${index}].password`);
    return username === undefined || password === undefined ? [] : [{ username, password }];
  });
  const protection: DigestProtection = { realm, users };
  const body = r.optionalString(object.unauthorizedBody, `${path}.unauthorizedBody`);
  if (body !== undefined) protection.unauthorizedBody = body;
  return protection;
}

function readNotFound(r: JsonReader, value: unknown, path: string): HttpReply | undefined {
  if (value === undefined) return undefined;
  const object = r.object(value, path);
  if (!object) return undefined;
  r.noExtraKeys(object, path, REPLY_KEYS);
  return readReply(r, object, path);
}

function readHttp(r: JsonReader, value: unknown, path: string): HttpResponderConfig | undefined {
  const object = r.object(value, path);
  if (!object) return undefined;
  r.noExtraKeys(object, path, ['ports', 'headers', 'routes', 'notFound', '$comment']);
  const config: HttpResponderConfig = { ports: readPorts(r, object.ports, `${path}.ports`), routes: readRoutes(r, object.routes, `${path}.routes`) };
  const headers = readHeaders(r, object.headers, `${path}.headers`);
  if (headers) config.headers = headers;
  const notFound = readNotFound(r, object.notFound, `${path}.notFound`);
  if (notFound) config.notFound = notFound;
  return config;
}

function readHttps(r: JsonReader, value: unknown, path: string): HttpsResponderConfig | undefined {
  const object = r.object(value, path);
  if (!object) return undefined;
  r.noExtraKeys(object, path, ['ports', 'certificate', 'headers', 'routes', 'notFound', '$comment']);
  const certificateObject = r.object(object.certificate, `${path}.certificate`) ?? {};
  r.noExtraKeys(certificateObject, `${path}.certificate`, ['subject', 'keyType', 'days']);
  // openssl -subj separates attributes with '/', and we split the RFC 4514 form on ','; keep both unambiguous.
  const subject = r.string(certificateObject.subject, `${path}.certificate.subject`, /^[A-Za-z]+=[^,/\\=]+(?:,[A-Za-z]+=[^,/\\=]+)*$/) ?? '';
  const certificate: TlsCertificateConfig = { subject };
  if (certificateObject.keyType !== undefined) {
    const keyType = r.oneOf(certificateObject.keyType, `${path}.certificate.keyType`, ['rsa', 'ec'] as const);
    if (keyType) certificate.keyType = keyType;
  }
  if (certificateObject.days !== undefined) {
    const days = r.integer(certificateObject.days, `${path}.certificate.days`, 1, 36500);
    if (days) certificate.days = days;
  }
  const config: HttpsResponderConfig = { ports: readPorts(r, object.ports, `${path}.ports`), certificate };
  const headers = readHeaders(r, object.headers, `${path}.headers`);
  if (headers) config.headers = headers;
  if (object.routes !== undefined) config.routes = readRoutes(r, object.routes, `${path}.routes`);
  const notFound = readNotFound(r, object.notFound, `${path}.notFound`);
  if (notFound) config.notFound = notFound;
  return config;
}

function readRtsp(r: JsonReader, value: unknown, path: string): RtspResponderConfig | undefined {
  const object = r.object(value, path);
  if (!object) return undefined;
  r.noExtraKeys(object, path, ['ports', 'headers', 'options', 'unauthorized', '$comment']);
  const unauthorizedObject = r.object(object.unauthorized, `${path}.unauthorized`) ?? {};
  const unauthorizedHeaders = readHeaders(r, unauthorizedObject.headers, `${path}.unauthorized.headers`) ?? {};
  if (!Object.keys(unauthorizedHeaders).some((name) => name.toLowerCase() === 'www-authenticate')) {
    r.problem(`${path}.unauthorized.headers`, 'needs a WWW-Authenticate header');
  }
  const config: RtspResponderConfig = { ports: readPorts(r, object.ports, `${path}.ports`), unauthorized: { headers: unauthorizedHeaders } };
  const headers = readHeaders(r, object.headers, `${path}.headers`);
  if (headers) config.headers = headers;
  if (object.options !== undefined) {
    const optionsObject = r.object(object.options, `${path}.options`) ?? {};
    const optionHeaders = readHeaders(r, optionsObject.headers, `${path}.options.headers`);
    config.options = optionHeaders ? { headers: optionHeaders } : {};
  }
  return config;
}

function readSources(r: JsonReader, value: unknown): ProfileSource[] | undefined {
  const list = r.array(value, 'sources');
  if (!list) return undefined;
  if (list.length === 0) r.problem('sources', 'needs at least one source');
  return list.flatMap((item, index) => {
    const object = r.object(item, `sources[${index}]`);
    if (!object) return [];
    r.noExtraKeys(object, `sources[${index}]`, ['fact', 'source']);
    const fact = r.string(object.fact, `sources[${index}].fact`, /\S/);
    const source = r.string(object.source, `sources[${index}].source`, /\S/);
    return fact && source ? [{ fact, source }] : [];
  });
}

function readExpectation(r: JsonReader, value: unknown): ProfileExpectation | undefined {
  const object = r.object(value, 'expect');
  if (!object) return undefined;
  r.noExtraKeys(object, 'expect', ['vendor', 'brand', 'covered', 'deviceClass', 'isCamera']);
  const vendor = object.vendor === null ? null : (r.string(object.vendor, 'expect.vendor') ?? null);
  const brand = object.brand === null ? null : (r.string(object.brand, 'expect.brand') ?? null);
  return {
    vendor,
    brand,
    covered: r.boolean(object.covered, 'expect.covered') ?? false,
    deviceClass: r.oneOf(object.deviceClass, 'expect.deviceClass', DEVICE_CLASSES) ?? 'unknown',
    isCamera: r.boolean(object.isCamera, 'expect.isCamera') ?? false,
  };
}

function section<T>(read: (r: JsonReader, value: unknown, path: string) => T | undefined, value: unknown, path: string): ParseResult<T> {
  const r = new JsonReader();
  const config = read(r, value, path);
  return config !== undefined && r.problems.length === 0 ? { ok: true, value: config } : failure(r);
}

/** Section parsers for the responders, which receive their section as `unknown`. */
export const parseHttpConfig = (value: unknown): ParseResult<HttpResponderConfig> => section(readHttp, value, 'protocols.http');
export const parseHttpsConfig = (value: unknown): ParseResult<HttpsResponderConfig> => section(readHttps, value, 'protocols.https');
export const parseRtspConfig = (value: unknown): ParseResult<RtspResponderConfig> => section(readRtsp, value, 'protocols.rtsp');
