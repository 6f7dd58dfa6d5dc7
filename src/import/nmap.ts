// nmap's XML output (`-oX`, nmap.dtd). Read one <host> (and one <prescript>/<postscript>) at a time, so a scan of a
// /8 streams in flat memory. From each host that is up: its addresses (with the MAC and the vendor nmap printed for
// it), hostnames, and per open port the service detection (name, product, version, extrainfo) and the output of
// the scripts camaudit has rules for: http-title, http-server-header, ssl-cert, rtsp-methods, upnp-info. From the
// pre- and post-scan scripts: broadcast-wsdd-discover, broadcast-upnp-info and broadcast-dns-service-discovery,
// one observation per device they heard.
// nmap writes `<!DOCTYPE nmaprun>` without an internal subset; it lies outside the elements read here. An element
// read here that declares a DOCTYPE or ENTITY is refused, and entities are never expanded (as in safe-xml.ts).
import { isIP } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import type { ObservationInput } from '../observation.js';
import { decodeXmlText } from '../discovery/safe-xml.js';
import { type ImportContext, type ImportItem, type LineImporter, NONE, cap, observe } from './types.js';
import { macValue } from './mac.js';

/** Bound of one <host> element: a host with every port open and verbose scripts stays far below it. */
const MAX_ELEMENT_CHARS = 8 * 1024 * 1024;
const DECLARATION_PATTERN = /<!\s*(?:DOCTYPE|ENTITY)/i;
const REPEATED = new Set(['address', 'hostname', 'port', 'script', 'elem', 'table']);

const parser = new XMLParser({
  processEntities: false,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
  maxNestedTags: 32,
  isArray: (name) => REPEATED.has(name),
});

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);
const nodes = (value: unknown): Node[] => (Array.isArray(value) ? value.filter(isNode) : isNode(value) ? [value] : []);

/** An attribute or text value, entities decoded, capped; undefined when absent or empty. */
function value(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = decodeXmlText(raw).trim();
  return text === '' ? undefined : cap(text);
}

/** The text of an <elem>: a bare string, or the text beside its key attribute. */
function elemText(elem: unknown): string | undefined {
  return typeof elem === 'string' ? value(elem) : isNode(elem) ? value(elem['#text']) : undefined;
}

function elemByKey(parent: Node, key: string): string | undefined {
  for (const elem of (parent.elem as unknown[] | undefined) ?? []) if (isNode(elem) && elem.key === key) return elemText(elem);
  return undefined;
}

function tableByKey(parent: Node, key: string): Node | undefined {
  return nodes(parent.table).find((table) => table.key === key);
}

// ssl-cert's subject/issuer tables, written as camaudit writes a certificate's (src/discovery/banner/tls.ts):
// CN, OU, O, L, ST, C, then the other attributes alphabetically.
const NAME_ORDER: readonly [string, string][] = [
  ['commonName', 'CN'],
  ['organizationalUnitName', 'OU'],
  ['organizationName', 'O'],
  ['localityName', 'L'],
  ['stateOrProvinceName', 'ST'],
  ['countryName', 'C'],
];

function distinguishedName(table: Node | undefined): string | undefined {
  if (!table) return undefined;
  const parts: string[] = [];
  const named = new Set(NAME_ORDER.map(([key]) => key));
  for (const [key, short] of NAME_ORDER) {
    const text = elemByKey(table, key);
    if (text !== undefined) parts.push(`${short}=${text}`);
  }
  const others = nodes(table.elem).filter((elem) => typeof elem.key === 'string' && !named.has(elem.key)).sort((a, b) => String(a.key).localeCompare(String(b.key)));
  for (const elem of others) {
    const text = elemText(elem);
    if (text !== undefined) parts.push(`${String(elem.key)}=${text}`);
  }
  return parts.length > 0 ? cap(parts.join(',')) : undefined;
}

/** "Key: value" lines of upnp-info and broadcast-upnp-info output (nselib/upnp.lua) as SSDP headers and UPnP description fields. */
function upnpSection(lines: readonly string[]): ObservationInput['ssdp'] | undefined {
  const headers: Record<string, string> = {};
  const description: Record<string, string> = {};
  const fields: Record<string, [Record<string, string>, string]> = {
    server: [headers, 'server'],
    location: [headers, 'location'],
    webserver: [headers, 'server'],
    name: [description, 'friendlyName'],
    manufacturer: [description, 'manufacturer'],
    'model descr': [description, 'modelDescription'],
    'model name': [description, 'modelName'],
    'model version': [description, 'modelNumber'],
  };
  lines.forEach((line, index) => {
    const match = nameAndValue(/^([A-Za-z ]+):/.exec(line.trim()), line.trim(), 0);
    const field = match ? fields[match.name.toLowerCase()] : undefined;
    if (match && field) {
      const [target, name] = field;
      if (target[name] === undefined && match.value.trim() !== '') target[name] = cap(match.value.trim());
    } else if (index === 0 && line.trim() !== '' && headers.server === undefined) {
      // Older nmap printed the SSDP Server header bare on the first line.
      headers.server = cap(line.trim());
    }
  });
  if (Object.keys(headers).length === 0 && Object.keys(description).length === 0) return undefined;
  return { headers, ...(Object.keys(description).length > 0 ? { description } : {}) };
}

/**
 * `name: value` from a match of `/^name:/` on `line`: the value after up to `spaces` leading whitespace characters
 * (any number when 0), and no line break in it, as `:\s*(.*)$` / `:\s?(.*)$` read it without their backtracking.
 */
function nameAndValue(match: RegExpExecArray | null, line: string, spaces: number): { name: string; value: string } | undefined {
  if (!match) return undefined;
  let start = match[0].length;
  const limit = spaces === 0 ? line.length : Math.min(line.length, start + spaces);
  while (start < limit && /\s/.test(line[start]!)) start += 1;
  const value = line.slice(start);
  return /[\n\r\u2028\u2029]/.test(value) ? undefined : { name: match[1]!, value };
}

/** The text before the first `\n\s*WCF Services\s*\n` (the whole text without one), found without a regex. */
function beforeWcfServices(text: string): string {
  const marker = 'WCF Services';
  for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at + 1)) {
    let before = at;
    while (before > 0 && /\s/.test(text[before - 1]!)) before -= 1;
    let lineBreakBefore = before;
    while (lineBreakBefore < at && text[lineBreakBefore] !== '\n') lineBreakBefore += 1;
    if (lineBreakBefore === at) continue;
    let after = at + marker.length;
    while (after < text.length && /\s/.test(text[after]!) && text[after] !== '\n') after += 1;
    if (text[after] === '\n') return text.slice(0, lineBreakBefore);
  }
  return text;
}

/** Script output indented under one line per address (the broadcast scripts' layout): address → its lines. */
function blocksByAddress(output: string): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of output.split('\n')) {
    const trimmed = line.trim();
    if (isIP(trimmed) !== 0) {
      current = blocks.get(trimmed) ?? [];
      blocks.set(trimmed, current);
    } else if (current && trimmed !== '') current.push(trimmed);
  }
  return blocks;
}

function broadcastObservations(script: Node): ObservationInput[] {
  const output = typeof script.output === 'string' ? decodeXmlText(script.output) : '';
  const inputs: ObservationInput[] = [];
  if (script.id === 'broadcast-upnp-info') {
    for (const [ip, lines] of blocksByAddress(output)) {
      const ssdp = upnpSection(lines);
      if (ssdp) inputs.push({ source: 'nmap', ip, transport: 'multicast', ssdp });
    }
  } else if (script.id === 'broadcast-wsdd-discover') {
    // Only the "Devices" part: "WCF Services" lists Windows services, not devices.
    const devices = beforeWcfServices(output);
    for (const [ip, lines] of blocksByAddress(devices)) {
      const field = (name: string): string | undefined => lines.find((line) => line.startsWith(`${name}:`))?.slice(name.length + 1).trim();
      const address = field('Address');
      const types = field('Type');
      inputs.push({ source: 'nmap', ip, transport: 'multicast', wsdiscovery: { types: types ? types.split(/\s+/).map(cap) : [], scopes: [], xaddrs: address ? [cap(address)] : [] } });
    }
  } else if (script.id === 'broadcast-dns-service-discovery') {
    for (const [ip, lines] of blocksByAddress(output)) {
      let service: { port?: number; service: string; txt: Record<string, string> } | undefined;
      const flush = (): void => {
        if (service) inputs.push({ source: 'nmap', ip, transport: 'multicast', ...(service.port ? { port: service.port } : {}), mdns: { service: service.service, ...(service.port ? { port: service.port } : {}), txt: service.txt } });
        service = undefined;
      };
      for (const line of lines) {
        const withPort = /^(\d{1,5})\/(tcp|udp)\s+(\S+)/.exec(line);
        const bare = /^(_[\w-]+\._(?:tcp|udp)\.local)$/i.exec(line);
        if (withPort) {
          flush();
          const port = Number(withPort[1]);
          service = { ...(port > 0 && port <= 65535 ? { port } : {}), service: cap(`_${withPort[3]}._${withPort[2]}.local`), txt: {} };
        } else if (bare) {
          flush();
          service = { service: cap(bare[1]!), txt: {} };
        } else if (service && line.includes('=')) {
          const key = line.slice(0, line.indexOf('='));
          // "Address=" is nmap's own note of the A record, not a TXT entry; of a repeated key the first counts (RFC 6763 §6.4).
          if (key !== 'Address' && key !== '' && !Object.hasOwn(service.txt, key) && key !== '__proto__') service.txt[cap(key)] = cap(line.slice(key.length + 1));
        }
      }
      flush();
    }
  }
  return inputs;
}

/**
 * A raw reply nmap kept in `fingerprint-strings` (what an unrecognised service answered to its probes, one line each,
 * indented; the blank line before the body is dropped): its status line, headers by lower-case name, and body.
 */
export function rawReply(text: string): { protocol: string; status: number; headers: Record<string, string>; body: string } | undefined {
  const lines = text.split('\n').map((line) => line.replace(/^ {4}/, '')).filter((line, index) => index > 0 || line.trim() !== '');
  const status = /^(HTTP|RTSP)\/1\.[01] (\d{3})\b/.exec(lines[0]?.trim() ?? '');
  if (!status) return undefined;
  const headers: Record<string, string> = {};
  let index = 1;
  for (; index < lines.length; index += 1) {
    const header = nameAndValue(/^([A-Za-z0-9-]{1,64}):/.exec(lines[index]!), lines[index]!, 1);
    if (!header) break;
    const name = header.name.toLowerCase();
    if (name !== '__proto__' && headers[name] === undefined) headers[name] = cap(header.value.trim());
  }
  return { protocol: status[1]!, status: Number(status[2]), headers, body: lines.slice(index).join('\n').slice(0, 64 * 1024) };
}

/**
 * The text of the first `<title …>text</title>` (text up to 1024 characters, no `<`), the first tag name in any case.
 * A scan: `<title[^>]*>` searched anywhere rescans the same tail from every `<title` of a body that has no `>`.
 */
function titleText(body: string): string | undefined {
  const openings = /<title/gi;
  let tagEnd = -1;
  for (let opening = openings.exec(body); opening; opening = openings.exec(body)) {
    if (opening.index < tagEnd) continue; // same tag end as an opening that already failed
    tagEnd = body.indexOf('>', opening.index + 6);
    if (tagEnd === -1) return undefined;
    const textEnd = body.indexOf('<', tagEnd + 1);
    if (textEnd === -1) return undefined;
    if (textEnd - tagEnd - 1 <= 1024 && body.slice(textEnd, textEnd + 8).toLowerCase() === '</title>') return body.slice(tagEnd + 1, textEnd);
  }
  return undefined;
}

function titleOf(body: string): string | undefined {
  const text = titleText(body);
  const title = text !== undefined ? decodeXmlText(text).replace(/\s+/g, ' ').trim() : '';
  return title === '' ? undefined : title;
}

/** The reply to nmap's GET (or RTSP OPTIONS) probe, from fingerprint-strings, merged under what the scripts said. */
function addFingerprintStrings(input: ObservationInput, script: Node): void {
  for (const elem of nodes(script.elem)) {
    const keys = typeof elem.key === 'string' ? elem.key.split(/,\s*/) : [];
    const text = typeof elem['#text'] === 'string' ? decodeXmlText(elem['#text']) : undefined;
    if (!text) continue;
    const reply = rawReply(text);
    if (reply?.protocol === 'HTTP' && keys.includes('GetRequest')) {
      const title = titleOf(reply.body);
      const { status, body, headers } = reply;
      input.http = { status, body, ...input.http, headers: { ...headers, ...(input.http?.headers ?? {}) }, ...(title && !input.http?.title ? { title } : {}) };
    } else if (reply?.protocol === 'RTSP' && keys.includes('RTSPRequest')) {
      input.rtsp = { status: reply.status, headers: { ...reply.headers, ...(input.rtsp?.headers ?? {}) } };
    }
  }
}

function portObservation(ip: string, mac: string | undefined, port: Node): ObservationInput | undefined {
  const state = isNode(port.state) ? port.state.state : undefined;
  const number = Number(port.portid);
  if (state !== 'open' || !Number.isInteger(number) || number < 1 || number > 65535) return undefined;
  const input: ObservationInput = { source: 'nmap', ip, port: number, ...(mac ? { mac } : {}), transport: port.protocol === 'udp' ? 'unicast' : 'tcp' };
  if (isNode(port.service)) {
    const service = port.service;
    const fields = { name: value(service.name), product: value(service.product), version: value(service.version), extrainfo: value(service.extrainfo), deviceType: value(service.devicetype), tunnel: value(service.tunnel) };
    input.service = Object.fromEntries(Object.entries(fields).filter(([, text]) => text !== undefined));
  }
  for (const script of nodes(port.script)) {
    const output = value(script.output);
    if (script.id === 'http-title') {
      const title = elemByKey(script, 'title');
      if (title !== undefined) input.http = { ...(input.http ?? { headers: {} }), title };
    } else if (script.id === 'http-server-header') {
      const server = elemText(tableByKey(script, 'Server')?.elem && (tableByKey(script, 'Server')!.elem as unknown[])[0]) ?? elemText((script.elem as unknown[] | undefined)?.[0]) ?? output;
      if (server !== undefined) input.http = { ...(input.http ?? { headers: {} }), headers: { ...(input.http?.headers ?? {}), server } };
    } else if (script.id === 'ssl-cert') {
      const subject = distinguishedName(tableByKey(script, 'subject'));
      const issuer = distinguishedName(tableByKey(script, 'issuer'));
      if (subject || issuer) input.tls = { ...(subject ? { subject } : {}), ...(issuer ? { issuer } : {}) };
    } else if (script.id === 'rtsp-methods' && output !== undefined) {
      input.rtsp = { headers: { public: output } };
    } else if (script.id === 'fingerprint-strings') {
      addFingerprintStrings(input, script);
    } else if (script.id === 'upnp-info' && output !== undefined) {
      const ssdp = upnpSection(decodeXmlText(String(script.output)).split('\n'));
      if (ssdp) input.ssdp = ssdp;
    }
  }
  return input;
}

function hostObservations(host: Node): ObservationInput[] {
  const status = isNode(host.status) ? host.status.state : undefined;
  if (status !== undefined && status !== 'up') return [];
  let ip: string | undefined;
  let mac: string | undefined;
  let macVendor: string | undefined;
  for (const address of nodes(host.address)) {
    const text = value(address.addr);
    if (!text) continue;
    if ((address.addrtype === 'ipv4' || address.addrtype === 'ipv6') && isIP(text) !== 0) ip ??= text;
    else if (address.addrtype === 'mac') {
      mac = macValue(text) ?? mac;
      macVendor = value(address.vendor) ?? macVendor;
    }
  }
  if (!ip) return [];
  const hostname = isNode(host.hostnames) ? nodes(host.hostnames.hostname).map((entry) => value(entry.name)).find((name) => name !== undefined) : undefined;
  const hostSection = { ...(hostname ? { hostname } : {}), ...(macVendor ? { macVendor } : {}) };
  const inputs: ObservationInput[] = [{ source: 'nmap', ip, ...(mac ? { mac } : {}), transport: 'unicast', ...(Object.keys(hostSection).length > 0 ? { host: hostSection } : {}) }];
  if (isNode(host.ports)) {
    for (const port of nodes(host.ports.port)) {
      const input = portObservation(ip, mac, port);
      if (input) inputs.push(input);
    }
  }
  return inputs;
}

/** The observations of one <host>, <prescript> or <postscript> element's text; a reason when it cannot be read. */
export function parseNmapElement(text: string): { ok: true; inputs: ObservationInput[]; when?: Date } | { ok: false; reason: string } {
  if (DECLARATION_PATTERN.test(text)) return { ok: false, reason: 'element declares a DOCTYPE or ENTITY (refused)' };
  let document: unknown;
  try {
    document = parser.parse(text, true);
  } catch (error) {
    return { ok: false, reason: `malformed XML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
  if (!isNode(document)) return { ok: false, reason: 'no element' };
  if (isNode(document.host)) {
    const seconds = Number(document.host.endtime ?? document.host.starttime);
    const when = Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : undefined;
    return { ok: true, inputs: hostObservations(document.host), ...(when ? { when } : {}) };
  }
  const scripts = isNode(document.prescript) ? document.prescript : isNode(document.postscript) ? document.postscript : undefined;
  if (scripts) return { ok: true, inputs: nodes(scripts.script).flatMap(broadcastObservations) };
  return { ok: false, reason: 'neither a <host> nor a <prescript>/<postscript> element' };
}

const OPENING = /<(host|prescript|postscript)[\s>]/;

/**
 * The `start` attribute of the first `<nmaprun …>` tag in `text` that has one (its last, as the regex this replaces
 * read it). A scan: `[^>]*\s` searched anywhere backtracks polynomially on a line of many `<nmaprun`.
 */
function nmaprunStart(text: string): string | undefined {
  let tagEnd = -1;
  for (let opening = text.indexOf('<nmaprun'); opening !== -1; opening = text.indexOf('<nmaprun', opening + 1)) {
    const after = text[opening + 8];
    if (opening < tagEnd || (after !== undefined && /\w/.test(after))) continue;
    tagEnd = text.indexOf('>', opening + 8);
    if (tagEnd === -1) tagEnd = text.length;
    let last: string | undefined;
    for (const attribute of text.slice(opening + 8, tagEnd).matchAll(/\sstart="(\d+)"/g)) last = attribute[1];
    if (last !== undefined) return last;
  }
  return undefined;
}

export function createNmapImporter(context: ImportContext): LineImporter {
  let element: { name: string; line: number; parts: string[]; chars: number; skipping: boolean } | undefined;
  let scanTime: Date | undefined;
  return {
    format: 'nmap-xml',
    line(text, number): ImportItem[] {
      if (!element) {
        // <nmaprun start="…">: when the scan ran, for broadcast results that carry no time of their own.
        const start = nmaprunStart(text);
        if (start !== undefined) scanTime = new Date(Number(start) * 1000);
        const opening = OPENING.exec(text);
        if (!opening || text.includes('<hosthint')) return NONE;
        element = { name: opening[1]!, line: number, parts: [], chars: 0, skipping: false };
        text = text.slice(opening.index);
      }
      if (!element.skipping) {
        element.parts.push(text);
        element.chars += text.length + 1;
        if (element.chars > MAX_ELEMENT_CHARS) {
          element.skipping = true;
          element.parts = [];
        }
      }
      const closing = `</${element.name}>`;
      const closed = text.indexOf(closing);
      if (closed < 0) return NONE;
      const done = element;
      element = undefined;
      if (done.skipping) return [{ ok: false, line: done.line, reason: `<${done.name}> element longer than ${MAX_ELEMENT_CHARS} characters` }];
      const last = done.parts.length - 1;
      done.parts[last] = done.parts[last]!.slice(0, done.parts[last]!.indexOf(closing) + closing.length);
      const parsed = parseNmapElement(done.parts.join('\n'));
      if (!parsed.ok) return [{ ok: false, line: done.line, reason: parsed.reason }];
      return parsed.inputs.map((input) => ({ ok: true, line: done.line, observation: observe(input, context, parsed.when ?? scanTime) }));
    },
    end(): ImportItem[] {
      const open = element;
      element = undefined;
      return open ? [{ ok: false, line: open.line, reason: `<${open.name}> element not closed at the end of the input` }] : NONE;
    },
  };
}
