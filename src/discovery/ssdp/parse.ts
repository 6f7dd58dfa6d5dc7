// SSDP (HTTP over UDP) reply reader and UPnP device-description reader: pure, bounded, never throw
// (UPnP Device Architecture 1.1 §1). Header names are lower-cased; values are kept exactly as sent, because
// the matcher keys on them (Dahua's `SERVER: … ZheJiang Dahua Technology CO.,LTD. Upnp SDK`, its
// `uuid:www.dahuatech.com.device_…-<SerialNo>` USN).
import { isIP } from 'node:net';
import { parsed, rejected, type ParseResult } from '../parse-result.js';
import { isXmlObject, parseXmlSafely, xmlChild, xmlText, type XmlNode } from '../safe-xml.js';
import { PARSE_LIMITS } from '../../config.js';

/** A UDP datagram cannot be larger; anything claiming to be is not an SSDP reply. */
export const SSDP_MAX_MESSAGE_BYTES = 65_535;

export interface SsdpMessage {
  /** `response` for an M-SEARCH answer (`HTTP/1.1 200 OK`); `notify` for an announcement; `search` for another client's M-SEARCH. */
  kind: 'response' | 'notify' | 'search';
  /** Status code of a response. */
  status?: number;
  /** The first line exactly as sent. */
  startLine: string;
  /** Lower-case header names; a repeated header's values joined with ", " in the order sent. */
  headers: Record<string, string>;
  location?: string;
  server?: string;
  usn?: string;
  st?: string;
  /** NT of a NOTIFY (the announcement's counterpart of ST). */
  nt?: string;
  /** The `uuid:…` part of USN before any `::` (the device's UDN). */
  uuid?: string;
  /** `max-age` of CACHE-CONTROL, in seconds. */
  maxAgeSeconds?: number;
}

const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const RESPONSE_LINE_PATTERN = /^HTTP\/1\.[01] +(\d{3})(?: .*)?$/i;

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** `uuid:X::urn:…` → `uuid:X`; anything not starting with `uuid:` gives undefined. */
export function udnOfUsn(usn: string | undefined): string | undefined {
  if (usn === undefined || !/^uuid:/i.test(usn.trim())) return undefined;
  const value = usn.trim();
  const end = value.indexOf('::');
  return nonEmpty(end === -1 ? value : value.slice(0, end));
}

function maxAgeOf(cacheControl: string | undefined): number | undefined {
  const match = cacheControl === undefined ? null : /max-age\s*=\s*"?(\d{1,9})"?/i.exec(cacheControl);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export function parseSsdpMessage(data: Buffer, maxBytes: number = SSDP_MAX_MESSAGE_BYTES): ParseResult<SsdpMessage> {
  if (data.length === 0) return rejected('empty datagram');
  if (data.length > maxBytes) return rejected(`datagram of ${data.length} bytes exceeds the ${maxBytes}-byte bound`);
  // Headers are ASCII in practice; a SERVER string in UTF-8 survives, and foreign bytes become U+FFFD rather than an error.
  const text = data.toString('utf8');
  const headerEnd = text.search(/\r?\n\r?\n/);
  const head = headerEnd === -1 ? text : text.slice(0, headerEnd);
  const lines = head.split(/\r?\n/);
  const startLine = (lines[0] ?? '').trim();
  let kind: SsdpMessage['kind'];
  let status: number | undefined;
  const response = RESPONSE_LINE_PATTERN.exec(startLine);
  if (response?.[1] !== undefined) {
    kind = 'response';
    status = Number(response[1]);
  } else if (/^NOTIFY \* HTTP\/1\.[01]$/i.test(startLine)) {
    kind = 'notify';
  } else if (/^M-SEARCH \* HTTP\/1\.[01]$/i.test(startLine)) {
    kind = 'search';
  } else {
    return rejected(`not an SSDP start line: ${JSON.stringify(startLine.slice(0, 60))}`);
  }

  const headers: Record<string, string> = {};
  let headerCount = 0;
  let previousName: string | undefined;
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    // An obsolete folded continuation line belongs to the header before it.
    if (/^[ \t]/.test(line) && previousName !== undefined) {
      headers[previousName] = `${headers[previousName] ?? ''} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return rejected(`header line without a name: ${JSON.stringify(line.slice(0, 60))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!HEADER_NAME_PATTERN.test(name)) return rejected(`invalid header name ${JSON.stringify(name.slice(0, 60))}`);
    if (++headerCount > PARSE_LIMITS.ssdpMaxHeaders) return rejected(`more than ${PARSE_LIMITS.ssdpMaxHeaders} headers`);
    const value = line.slice(colon + 1).trim();
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value;
    previousName = name;
  }

  const message: SsdpMessage = { kind, startLine, headers };
  if (status !== undefined) message.status = status;
  const location = nonEmpty(headers.location);
  if (location !== undefined) message.location = location;
  const server = nonEmpty(headers.server);
  if (server !== undefined) message.server = server;
  const usn = nonEmpty(headers.usn);
  if (usn !== undefined) message.usn = usn;
  const st = nonEmpty(headers.st);
  if (st !== undefined) message.st = st;
  const nt = nonEmpty(headers.nt);
  if (nt !== undefined) message.nt = nt;
  const uuid = udnOfUsn(usn);
  if (uuid !== undefined) message.uuid = uuid;
  const maxAgeSeconds = maxAgeOf(headers['cache-control']);
  if (maxAgeSeconds !== undefined) message.maxAgeSeconds = maxAgeSeconds;
  return parsed(message);
}

/**
 * The URL to fetch a reply's description from, or why not. Only plain http at the responding address
 * itself is fetched: a LOCATION naming another host would turn our scanner into a request forwarder
 * for whoever can send a datagram (and could point at a host outside the scan's scope).
 */
export function descriptionUrlFor(location: string | undefined, responderAddress: string): ParseResult<URL> {
  if (location === undefined) return rejected('no LOCATION header');
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return rejected(`LOCATION is not a URL: ${JSON.stringify(location.slice(0, 120))}`);
  }
  if (url.protocol !== 'http:') return rejected(`LOCATION scheme ${url.protocol} is not fetched`);
  if (url.username !== '' || url.password !== '') return rejected('LOCATION carries credentials; not fetched');
  if (isIP(url.hostname) !== 4) return rejected(`LOCATION host ${url.hostname} is not an IPv4 address`);
  if (url.hostname !== responderAddress) {
    return rejected(`LOCATION host ${url.hostname} is not the responding address ${responderAddress}`);
  }
  url.hash = '';
  return parsed(url);
}

/** The root device's fields kept from a UPnP description, by their UPnP element names. */
export const UPNP_DEVICE_FIELDS = [
  'deviceType',
  'friendlyName',
  'manufacturer',
  'manufacturerURL',
  'modelDescription',
  'modelName',
  'modelNumber',
  'modelURL',
  'serialNumber',
  'UDN',
  'UPC',
  'presentationURL',
] as const;

export interface UpnpDescription {
  /** The root device's fields (UPNP_DEVICE_FIELDS present and non-empty), text as the device wrote it, entities decoded. */
  fields: Record<string, string>;
  /** URLBase of UPnP 1.0 descriptions, when present. */
  urlBase?: string;
  /** deviceType of each embedded device (an IGD's WANDevice, …), in document order, capped. */
  embeddedDeviceTypes: string[];
}


function textOf(node: XmlNode | undefined): string | undefined {
  return nonEmpty(xmlText(node));
}

function collectEmbedded(device: XmlNode | undefined, into: string[], depth: number): void {
  if (depth > 4 || into.length >= PARSE_LIMITS.upnpMaxEmbeddedDevices) return;
  const list = xmlChild(device, 'deviceList');
  if (!isXmlObject(list)) return;
  const children = list.device;
  for (const child of children === undefined ? [] : Array.isArray(children) ? children : [children]) {
    if (into.length >= PARSE_LIMITS.upnpMaxEmbeddedDevices) return;
    const type = textOf(xmlChild(child, 'deviceType'));
    if (type !== undefined) into.push(type);
    collectEmbedded(child, into, depth + 1);
  }
}

/** Read a UPnP device description (`<root><device>…</device></root>`, UPnP Device Architecture §2.3). */
export function parseUpnpDescription(data: Buffer | string, maxBytes: number): ParseResult<UpnpDescription> {
  const document = parseXmlSafely(data, maxBytes);
  if (!document.ok) return document;
  const root = document.value.root;
  if (root === undefined) {
    const names = Object.keys(document.value).slice(0, 3).join(', ');
    return rejected(`root element is not <root> (found ${names || 'none'})`);
  }
  const device = xmlChild(root, 'device');
  if (!isXmlObject(device)) return rejected('<root> has no <device> element');
  const fields: Record<string, string> = {};
  for (const name of UPNP_DEVICE_FIELDS) {
    const value = textOf(xmlChild(device, name));
    if (value !== undefined) fields[name] = value;
  }
  if (Object.keys(fields).length === 0) return rejected('<device> has none of the UPnP device fields');
  const description: UpnpDescription = { fields, embeddedDeviceTypes: [] };
  const urlBase = textOf(xmlChild(root, 'URLBase'));
  if (urlBase !== undefined) description.urlBase = urlBase;
  collectEmbedded(device, description.embeddedDeviceTypes, 0);
  return parsed(description);
}
