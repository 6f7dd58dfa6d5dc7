// mDNS / DNS-SD queries (RFC 6762, RFC 6763). camaudit only asks; it never announces or claims a name.
import { encode, type Question, type RecordType } from 'dns-packet';
import { SERVICE_TYPE_ENUMERATION } from './parse.js';

export const MDNS_PORT = 5353;
export const MDNS_GROUP = '224.0.0.251';

/**
 * Service types browsed in the first round. Hikvision announces `_CGI._tcp` (captures in
 * 128keaton/hikvision-mdns, test/cameras.json); camera apps
 * also browse `_http`, `_rtsp`, `_onvif`, `_psia` and Axis's `_axis-video`; printers are asked for too, so a
 * printer is seen as a printer rather than as an unknown web server. The meta-query adds whatever else a
 * host offers, browsed in a second round.
 */
export const MDNS_BROWSE_TYPES = [
  SERVICE_TYPE_ENUMERATION,
  '_CGI._tcp.local',
  '_http._tcp.local',
  '_rtsp._tcp.local',
  '_onvif._tcp.local',
  '_axis-video._tcp.local',
  '_psia._tcp.local',
  '_ipp._tcp.local',
  '_printer._tcp.local',
] as const;

/** Class IN with the top bit set: "QU", a unicast response is welcome (RFC 6762 §5.4). */
const CLASS_IN = 1;
const QU_BIT = 0x8000;
const DNS_HEADER_BYTES = 12;

export interface MdnsQuestion {
  name: string;
  type: RecordType;
}

/** DNS names in one query stay small; a longer one is a caller bug, not a device reply. */
const MAX_NAME_BYTES = 253;

/**
 * One query message asking every question. With `unicastResponse`, each question carries the QU bit
 * (dns-packet cannot encode it, so it is set in the encoded bytes: dns-packet writes names uncompressed,
 * so each question ends exactly `name length + 4` bytes after the previous one).
 */
export function buildMdnsQuery(questions: readonly MdnsQuestion[], options: { unicastResponse?: boolean } = {}): Buffer {
  if (questions.length === 0) throw new RangeError('an mDNS query needs at least one question');
  for (const question of questions) {
    if (Buffer.byteLength(question.name) > MAX_NAME_BYTES || question.name.split('.').some((label) => label === '' || Buffer.byteLength(label) > 63)) {
      throw new RangeError(`not a DNS name: ${JSON.stringify(question.name)}`);
    }
  }
  const dnsQuestions: Question[] = questions.map((question) => ({ name: question.name, type: question.type, class: 'IN' }));
  // Id 0 and no flags: RFC 6762 §18.1 and §18.2 for multicast queries.
  const bytes = encode({ type: 'query', id: 0, flags: 0, questions: dnsQuestions });
  if (options.unicastResponse === true) {
    let offset = DNS_HEADER_BYTES;
    for (const question of questions) {
      offset += Buffer.byteLength(question.name) + 2;
      bytes.writeUInt16BE(CLASS_IN | QU_BIT, offset + 2);
      offset += 4;
    }
  }
  return bytes;
}

/** PTR questions for service types: the browse query. */
export function buildBrowseQuery(serviceTypes: readonly string[], options: { unicastResponse?: boolean } = {}): Buffer {
  return buildMdnsQuery(
    serviceTypes.map((name) => ({ name, type: 'PTR' })),
    options,
  );
}
