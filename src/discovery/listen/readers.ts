// Listen mode's readers: one unasked datagram in, the observations it makes out. Pure: no socket, no clock; each
// reader is the scan channel's own parser, so a device heard announcing itself is stored with the same fields (and
// matched by the same rules) as one that answered a probe. What a scan would follow up (an SSDP LOCATION, ONVIF
// XAddrs, web ports) is kept as the device sent it and never fetched: listen mode causes no traffic.
import type { ObservationInput } from '../../observation.js';
import type { WsDiscoverySection } from '../../model.js';
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

export const PASSIVE_CHANNELS: readonly PassiveChannel[] = [
  {
    name: 'mdns',
    port: 5353,
    group: '224.0.0.251',
    read(data, sender) {
      const message = parseMdnsMessage(data);
      if (!message.ok) return { refused: message.reason };
      // Queries are other hosts asking (RFC 6762 §5): they say nothing about the sender's services.
      if (!message.value.response) return nothing;
      return {
        observations: collectMdnsServices(message.value.records).map((service) => ({
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
    },
  },
  {
    name: 'ssdp',
    port: 1900,
    group: '239.255.255.250',
    read(data, sender) {
      const message = parseSsdpMessage(data);
      if (!message.ok) return { refused: message.reason };
      // An M-SEARCH is another client's probe, not an announcement.
      if (message.value.kind !== 'notify') return nothing;
      const headers = Object.fromEntries(Object.entries(message.value.headers).filter(([name]) => !SSDP_VOLATILE.has(name)));
      return { observations: [{ source: 'ssdp', ip: sender, port: 1900, ssdp: { headers } }] };
    },
  },
  {
    name: 'wsdiscovery',
    port: 3702,
    group: '239.255.255.250',
    read(data, sender) {
      const reply = parseWsDiscoveryReply(data);
      if (!reply.ok) return reply.reason.includes('Probe (another client)') ? nothing : { refused: reply.reason };
      return {
        observations: reply.value.matches.map((match) => {
          const wsdiscovery: WsDiscoverySection = { types: match.types, scopes: match.scopes, xaddrs: match.xaddrs };
          if (match.endpoint !== undefined) wsdiscovery.endpoint = match.endpoint;
          if (match.metadataVersion !== undefined) wsdiscovery.metadataVersion = match.metadataVersion;
          return { source: 'wsdiscovery' as const, ip: sender, port: 3702, ...(match.mac === undefined ? {} : { mac: match.mac }), wsdiscovery };
        }),
      };
    },
  },
  {
    name: 'sadp',
    port: 37020,
    group: '239.255.255.250',
    read(data, sender) {
      const reply = parseSadpReply(data);
      if (!reply.ok) return reply.reason.startsWith('a SADP Probe') ? nothing : { refused: reply.reason };
      const sadp = Object.fromEntries(Object.entries(reply.value.fields).filter(([name]) => name !== 'Uuid'));
      return { observations: [{ source: 'sadp', ip: sender, port: 37020, ...(reply.value.mac === undefined ? {} : { mac: reply.value.mac }), sadp }] };
    },
  },
  {
    name: 'dhip',
    port: 37810,
    group: '239.255.255.251',
    read(data, sender) {
      const reply = parseDhipReply(data);
      if (!reply.ok) return { refused: reply.reason };
      return { observations: [{ source: 'dhip', ip: sender, port: 37810, ...(reply.value.mac === undefined ? {} : { mac: reply.value.mac }), dhip: reply.value.fields }] };
    },
  },
  {
    name: 'dhcp',
    port: 67,
    read(data, sender) {
      const request = parseDhcpRequest(data);
      if (!request.ok) return { refused: request.reason };
      const { mac, clientAddress, requestedAddress, ...fields } = request.value;
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
    },
  },
];
