// mDNS / DNS-SD reader: pure, bounded, never throws (RFC 6762, RFC 6763). dns-packet decodes the
// wire format (RFC 1035 bounds and compression-pointer checks); this file turns its records into one
// service record per instance: PTR → instance, SRV → host and port, TXT → key/value map, A/AAAA → addresses.
import { decode, type Answer, type DecodedPacket } from 'dns-packet';
import { isIP } from 'node:net';
import { parsed, rejected, type ParseResult } from '../parse-result.js';

/** RFC 6762 §17: an mDNS message may be up to 9000 bytes on the wire; a UDP datagram no more than 65,535. */
export const MDNS_MAX_MESSAGE_BYTES = 65_535;

/** The DNS-SD meta-query whose PTR answers list the service types a host offers (RFC 6763 §9). */
export const SERVICE_TYPE_ENUMERATION = '_services._dns-sd._udp.local';

export type MdnsRecord =
  | { type: 'PTR'; name: string; target: string }
  | { type: 'SRV'; name: string; target: string; port: number; priority: number; weight: number }
  | { type: 'TXT'; name: string; strings: string[] }
  | { type: 'A' | 'AAAA'; name: string; address: string }
  | { type: 'other'; name: string; recordType: string };

export interface MdnsMessage {
  response: boolean;
  /** Question names (a response to a legacy unicast query echoes them). */
  questions: string[];
  /** Answers, authorities and additionals together: mDNS responders put SRV/TXT/A in any of them. */
  records: MdnsRecord[];
}

function textOf(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return undefined;
}

function recordOf(answer: Answer): MdnsRecord | undefined {
  const name = answer.name;
  if (typeof name !== 'string') return undefined;
  switch (answer.type) {
    case 'PTR': {
      const target = textOf(answer.data);
      return target === undefined ? undefined : { type: 'PTR', name, target };
    }
    case 'SRV': {
      const data = answer.data;
      if (typeof data !== 'object' || data === null || typeof data.target !== 'string' || typeof data.port !== 'number') return undefined;
      return { type: 'SRV', name, target: data.target, port: data.port, priority: data.priority ?? 0, weight: data.weight ?? 0 };
    }
    case 'TXT': {
      const data = answer.data;
      const list = Array.isArray(data) ? data : [data];
      // Each string is UTF-8 per RFC 6763 §6.5; foreign bytes become U+FFFD rather than an error.
      const strings = list.flatMap((entry) => {
        const text = textOf(entry);
        return text === undefined ? [] : [text];
      });
      return { type: 'TXT', name, strings };
    }
    case 'A':
    case 'AAAA': {
      const address = textOf(answer.data);
      return address !== undefined && isIP(address) !== 0 ? { type: answer.type, name, address } : undefined;
    }
    default:
      return { type: 'other', name, recordType: String(answer.type) };
  }
}

export function parseMdnsMessage(data: Buffer, maxBytes: number = MDNS_MAX_MESSAGE_BYTES): ParseResult<MdnsMessage> {
  if (data.length < 12) return rejected(`datagram of ${data.length} bytes is shorter than a DNS header`);
  if (data.length > maxBytes) return rejected(`datagram of ${data.length} bytes exceeds the ${maxBytes}-byte bound`);
  let packet: DecodedPacket;
  try {
    packet = decode(data);
  } catch (error) {
    // dns-packet throws on truncation, bad labels and forward compression pointers: foreign bytes, not our bug.
    return rejected(`not a DNS message: ${error instanceof Error ? error.message : String(error)}`);
  }
  const records: MdnsRecord[] = [];
  for (const answer of [...(packet.answers ?? []), ...(packet.authorities ?? []), ...(packet.additionals ?? [])]) {
    const record = recordOf(answer);
    if (record !== undefined) records.push(record);
  }
  return parsed({
    response: packet.type === 'response',
    questions: (packet.questions ?? []).map((question) => question.name),
    records,
  });
}

/** TXT strings to a map: `key=value` split at the first '=', a bare `key` is an empty value, the first of a repeated key wins (RFC 6763 §6.4). */
export function txtToMap(strings: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const entry of strings) {
    if (entry === '') continue;
    const equals = entry.indexOf('=');
    const key = equals === -1 ? entry : entry.slice(0, equals);
    if (key === '' || Object.hasOwn(map, key)) continue;
    // defineProperty: a key named __proto__ from the network must become data, not change the prototype.
    Object.defineProperty(map, key, { value: equals === -1 ? '' : entry.slice(equals + 1), enumerable: true, writable: true, configurable: true });
  }
  return map;
}

export interface MdnsService {
  /** Instance label, e.g. `HIKVISION DS-2CD2722FWD-IZS - 733050127`. */
  name: string;
  /** Service type as the device wrote it, e.g. `_CGI._tcp.local`. */
  service: string;
  /** `<name>.<service>`. */
  fullName: string;
  /** SRV target host, e.g. `DS-2CD2722FWD-IZS20170321BBWR733050127.local`. */
  host?: string;
  port?: number;
  txt?: Record<string, string>;
  /** A then AAAA addresses of the SRV host, in the order seen, without repeats. */
  addresses: string[];
}

export const lower = (name: string): string => name.toLowerCase().replace(/\.$/, '');

/** The instance label of `fullName` under `service`, or undefined when it is not under it. */
export function instanceLabel(fullName: string, service: string): string | undefined {
  const suffix = `.${lower(service)}`;
  const trimmed = fullName.replace(/\.$/, '');
  if (!trimmed.toLowerCase().endsWith(suffix) || trimmed.length <= suffix.length) return undefined;
  return trimmed.slice(0, trimmed.length - suffix.length);
}

/**
 * Service records from every record heard (one or many messages): an instance is known from a PTR
 * record; SRV, TXT and the host's addresses are filled in from wherever they arrived. DNS names are
 * compared without case (RFC 1035 §2.3.3); values keep the device's spelling.
 */
export function collectMdnsServices(records: readonly MdnsRecord[]): MdnsService[] {
  const srvByName = new Map<string, Extract<MdnsRecord, { type: 'SRV' }>>();
  const txtByName = new Map<string, Extract<MdnsRecord, { type: 'TXT' }>>();
  const addressesByHost = new Map<string, string[]>();
  for (const record of records) {
    const key = lower(record.name);
    if (record.type === 'SRV' && !srvByName.has(key)) srvByName.set(key, record);
    if (record.type === 'TXT' && !txtByName.has(key)) txtByName.set(key, record);
    if (record.type === 'A' || record.type === 'AAAA') {
      const list = addressesByHost.get(key) ?? [];
      if (!list.includes(record.address)) list.push(record.address);
      addressesByHost.set(key, list);
    }
  }
  const services = new Map<string, MdnsService>();
  for (const record of records) {
    if (record.type !== 'PTR' || lower(record.name) === SERVICE_TYPE_ENUMERATION) continue;
    // Subtype browses (`_printer._sub._http._tcp.local`) point at instances of the parent type.
    const service = record.name.replace(/^[^.]+\._sub\./i, '').replace(/\.$/, '');
    const name = instanceLabel(record.target, service);
    const fullName = record.target.replace(/\.$/, '');
    if (name === undefined || services.has(lower(fullName))) continue;
    const entry: MdnsService = { name, service, fullName, addresses: [] };
    const srv = srvByName.get(lower(fullName));
    if (srv !== undefined) {
      entry.host = srv.target.replace(/\.$/, '');
      entry.port = srv.port;
      entry.addresses = [...(addressesByHost.get(lower(srv.target)) ?? [])].sort((a, b) => isIP(a) - isIP(b));
    }
    const txt = txtByName.get(lower(fullName));
    if (txt !== undefined) entry.txt = txtToMap(txt.strings);
    services.set(lower(fullName), entry);
  }
  return [...services.values()];
}

/** Service types a host listed in answer to the `_services._dns-sd._udp.local` meta-query. */
export function enumeratedServiceTypes(records: readonly MdnsRecord[]): string[] {
  const types = new Map<string, string>();
  for (const record of records) {
    if (record.type !== 'PTR' || lower(record.name) !== SERVICE_TYPE_ENUMERATION) continue;
    const type = record.target.replace(/\.$/, '');
    if (/^_[^.]+\._(?:tcp|udp)\.local$/i.test(type) && !types.has(lower(type))) types.set(lower(type), type);
  }
  return [...types.values()];
}
