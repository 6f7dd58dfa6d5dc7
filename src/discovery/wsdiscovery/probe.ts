// WS-Discovery Probe messages (WS-Discovery 2005/04, WS-Addressing 2004/08: what ONVIF devices speak).
// One probe per type: a Probe listing both types only matches devices that are both (vicmaeg/onvif-discovery#49),
// and some cameras answer only NetworkVideoTransmitter, others only Device.
import { randomUUID } from 'node:crypto';

export const WS_DISCOVERY_PORT = 3702;
export const WS_DISCOVERY_GROUP = '239.255.255.250';

export const WS_DISCOVERY_PROBE_TYPES = ['dn:NetworkVideoTransmitter', 'tds:Device'] as const;
export type WsDiscoveryProbeType = (typeof WS_DISCOVERY_PROBE_TYPES)[number];

export function createWsDiscoveryMessageId(): string {
  return `urn:uuid:${randomUUID()}`;
}

export function buildWsDiscoveryProbe(type: WsDiscoveryProbeType, messageId: string): Buffer {
  if (!/^urn:uuid:[0-9a-f-]{36}$/i.test(messageId)) throw new TypeError('WS-Discovery message id must be urn:uuid:<uuid>');
  return Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>' +
      '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"' +
      ' xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"' +
      ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"' +
      ' xmlns:dn="http://www.onvif.org/ver10/network/wsdl"' +
      ' xmlns:tds="http://www.onvif.org/ver10/device/wsdl">' +
      '<s:Header>' +
      '<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>' +
      `<a:MessageID>${messageId}</a:MessageID>` +
      '<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>' +
      '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>' +
      '</s:Header>' +
      `<s:Body><d:Probe><d:Types>${type}</d:Types></d:Probe></s:Body>` +
      '</s:Envelope>',
    'utf8',
  );
}
