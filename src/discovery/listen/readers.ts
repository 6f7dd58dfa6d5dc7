// Listen mode's readers: one unasked datagram in, the observations it makes out. Pure: no socket, no clock; each
// reader is the scan channel's own parser, so a device heard announcing itself is stored with the same fields (and
// matched by the same rules) as one that answered a probe. What a scan would follow up (an SSDP LOCATION, ONVIF
// XAddrs, web ports) is kept as the device sent it and never fetched: listen mode causes no traffic.
import type { ObservationInput } from '../../observation.js';
import type { WsDiscoverySection } from '../../model.js';
import type { ParseResult } from '../parse-result.js';
import { parseDhcpRequest } from '../dhcp/parse.js';
import { parseDhipReply } from '../dhip/parse.js';
import { collectMdnsServices, parseMdnsMessage } from '../mdns/parse.js';
import { parseSadpReply } from '../sadp/parse.js';
import { parseSsdpMessage } from '../ssdp/parse.js';
import { parseWsDiscoveryReply } from '../wsdiscovery/parse.js';

/** What one datagram gave: observations (without transport and interface), nothing to keep, or why it was refused. */
export type HeardResult = { observations: ObservationInput[] } | { refused: string };

export interface PassiveChannel {
  name: 'mdns' | 'ssdp' | 'wsdiscovery' | 'sadp' | 'dhip' | 'dhcp';
  port: number;
  /** Multicast group joined on each listened interface; none for DHCP (broadcast to port 67). */
  group?: string;
  read(data: Buffer, sender: string): HeardResult;
}

const nothing: HeardResult = { observations: [] };
/** Headers that change with every announcement and would give the same device a new observation each time. */
const SSDP_VOLATILE = new Set(['date', 'cache-control', 'bootid.upnp.org', 'configid.upnp.org', 'nts']);

/**
 * One passive channel: the scan channel's own parser, what a parsed datagram gives, and which refusals are only
 * another client's probe (nothing to keep, nothing to report).
 */
function passive<T>(
  name: PassiveChannel['name'],
  port: number,
  group: string | undefined,
  parse: (data: Buffer) => ParseResult<T>,
  heard: (value: T, sender: string) => HeardResult,
  isOtherClientsProbe: (reason: string) => boolean = () => false,
): PassiveChannel {
  return {
    name,
    port,
    ...(group === undefined ? {} : { group }),
    read(data, sender) {
      const result = parse(data);
      if (!result.ok) return isOtherClientsProbe(result.reason) ? nothing : { refused: result.reason };
      return heard(result.value, sender);
    },
  };
}

export const PASSIVE_CHANNELS: readonly PassiveChannel[] = [
  passive('mdns', 5353, '224.0.0.251', parseMdnsMessage, (message, sender) => {
    // Queries are other hosts asking (RFC 6762 §5): they say nothing about the sender's services.
    if (!message.response) return nothing;
    return {
      observations: collectMdnsServices(message.records).map((service) => ({
        source: 'mdns' as const,
        ip: sender,
        ...(service.port === undefined ? {} : { port: service.port }),
        mdns: {
          name: service.name,
          service: service.service,
          ...(service.host === undefined ? {} : { host: service.host }),
          ...(service.port === undefined ? {} : { port: service.port }),
          ...(service.txt === undefined ? {} : { txt: service.txt }),
          ...(service.addresses.length === 0 ? {} : { addresses: service.addresses }),
        },
      })),
    };
  }),
  passive('ssdp', 1900, '239.255.255.250', parseSsdpMessage, (message, sender) => {
    // An M-SEARCH is another client's probe, not an announcement.
    if (message.kind !== 'notify') return nothing;
    const headers = Object.fromEntries(Object.entries(message.headers).filter(([name]) => !SSDP_VOLATILE.has(name)));
    return { observations: [{ source: 'ssdp', ip: sender, port: 1900, ssdp: { headers } }] };
  }),
  passive(
    'wsdiscovery',
    3702,
    '239.255.255.250',
    parseWsDiscoveryReply,
    (reply, sender) => ({
      observations: reply.matches.map((match) => {
        const wsdiscovery: WsDiscoverySection = { types: match.types, scopes: match.scopes, xaddrs: match.xaddrs };
        if (match.endpoint !== undefined) wsdiscovery.endpoint = match.endpoint;
        if (match.metadataVersion !== undefined) wsdiscovery.metadataVersion = match.metadataVersion;
        return { source: 'wsdiscovery' as const, ip: sender, port: 3702, ...(match.mac === undefined ? {} : { mac: match.mac }), wsdiscovery };
      }),
    }),
    (reason) => reason.includes('Probe (another client)'),
  ),
  passive(
    'sadp',
    37020,
    '239.255.255.250',
    parseSadpReply,
    (reply, sender) => {
      const sadp = Object.fromEntries(Object.entries(reply.fields).filter(([name]) => name !== 'Uuid'));
      return { observations: [{ source: 'sadp', ip: sender, port: 37020, ...(reply.mac === undefined ? {} : { mac: reply.mac }), sadp }] };
    },
    (reason) => reason.startsWith('a SADP Probe'),
  ),
  passive('dhip', 37810, '239.255.255.251', parseDhipReply, (reply, sender) => ({
    observations: [{ source: 'dhip', ip: sender, port: 37810, ...(reply.mac === undefined ? {} : { mac: reply.mac }), dhip: reply.fields }],
  })),
  // DHCP requests are broadcast to port 67: no group to join.
  passive('dhcp', 67, undefined, parseDhcpRequest, (request, sender) => {
    const { mac, clientAddress, requestedAddress, ...fields } = request;
    // A client without an address yet sends from 0.0.0.0: its MAC is what identifies it; the address it asks for
    // (or already holds) is the best one known.
    const ip = clientAddress ?? (sender !== '0.0.0.0' ? sender : undefined) ?? requestedAddress ?? '0.0.0.0';
    return {
      observations: [
        {
          source: 'dhcp',
          ip,
          ...(mac === undefined ? {} : { mac }),
          dhcp: {
            ...(fields.messageType === undefined ? {} : { messageType: fields.messageType }),
            ...(fields.vendorClass === undefined ? {} : { vendorClass: fields.vendorClass }),
            ...(fields.hostName === undefined ? {} : { hostName: fields.hostName }),
            ...(fields.parameterList === undefined ? {} : { parameterList: fields.parameterList }),
            ...(requestedAddress === undefined ? {} : { requestedAddress }),
            optionOrder: fields.optionOrder,
          },
        },
      ],
    };
  }),
];
