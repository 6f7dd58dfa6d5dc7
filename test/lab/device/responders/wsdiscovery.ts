// ONVIF WS-Discovery (UDP 3702, group 239.255.255.250) as cameras answer it: a ProbeMatches envelope sent to the
// prober's address and port, RelatesTo = the probe's MessageID. Envelope styles copy real replies
// (test/fixtures/wsdiscovery): `hikvision` (env:/wsadis:/d:, AppSequence, MessageID = endpoint),
// `dahua` (s:/a:/d:, as the Amcrest reply), `axis` (SOAP-ENV:/wsa:). A probe is answered when it is untyped
// or every type it names is one of the device's types (WS-Discovery matching), so a device typed only
// NetworkVideoTransmitter stays silent to a tds:Device probe.
//
// Profile section:
//   "wsdiscovery": { "style": "hikvision", "endpoint": "urn:uuid:…", "types": ["dn:NetworkVideoTransmitter", "tds:Device"],
//                    "scopes": ["onvif://www.onvif.org/name/HIKVISION%20{{identity.model}}", …],
//                    "xaddrs": ["http://{{ip}}:8899/onvif/device_service"], "metadataVersion": 10 }

import { randomUUID } from 'node:crypto';
import { JsonReader } from '../../validate.js';
import { renderTemplate, type ResponderContext, type StartResponder } from '../responder.js';
import { listenUdpGroup } from '../udp-group.js';

export const WS_DISCOVERY_PORT = 3702;
export const WS_DISCOVERY_GROUP = '239.255.255.250';
const STYLES = ['hikvision', 'dahua', 'axis'] as const;

export interface WsDiscoveryResponderConfig {
  style: (typeof STYLES)[number];
  endpoint: string;
  types: string[];
  scopes: string[];
  xaddrs: string[];
  metadataVersion: number;
}

export function parseWsDiscoveryConfig(value: unknown): { ok: true; value: WsDiscoveryResponderConfig } | { ok: false; reason: string } {
  const r = new JsonReader();
  const root = r.object(value, 'wsdiscovery');
  if (!root) return { ok: false, reason: r.problems.join('; ') };
  r.noExtraKeys(root, 'wsdiscovery', ['style', 'endpoint', 'types', 'scopes', 'xaddrs', 'metadataVersion', '$comment']);
  const strings = (key: string): string[] => (r.array(root[key], `wsdiscovery.${key}`) ?? []).map((item, index) => r.string(item, `wsdiscovery.${key}[${index}]`, /^\S+$/) ?? '');
  const style = r.oneOf(root.style, 'wsdiscovery.style', STYLES);
  // Checked again after rendering (start): the template may embed the MAC, e.g. `…-819e-{{macHex}}`.
  const endpoint = r.string(root.endpoint, 'wsdiscovery.endpoint', /^(?:urn:)?uuid:[0-9A-Za-z{}.-]{20,64}$/);
  const types = strings('types');
  const scopes = strings('scopes');
  const xaddrs = strings('xaddrs');
  const metadataVersion = r.integer(root.metadataVersion ?? 1, 'wsdiscovery.metadataVersion', 0, 1_000_000);
  if (r.problems.length > 0 || !style || !endpoint || metadataVersion === undefined) return { ok: false, reason: r.problems.join('; ') };
  return { ok: true, value: { style, endpoint, types, scopes, xaddrs, metadataVersion } };
}

const localName = (qualified: string): string => qualified.slice(qualified.indexOf(':') + 1);

/** The probe's MessageID and requested types (local names), or undefined when the datagram is not a Probe. */
export function readProbe(data: Buffer): { messageId: string; types: string[] } | undefined {
  const text = data.toString('utf8');
  if (!/<(?:[\w-]+:)?Probe[\s/>]/.test(text)) return undefined;
  const messageId = /<(?:[\w-]+:)?MessageID[^>]*>\s*([^<\s]{1,128})\s*</.exec(text)?.[1] ?? '';
  const typesText = /<(?:[\w-]+:)?Types[^>]*>([^<]{0,1024})</.exec(text)?.[1] ?? '';
  return { messageId, types: typesText.split(/\s+/).filter(Boolean).map(localName) };
}

export function answersProbe(config: WsDiscoveryResponderConfig, requested: string[]): boolean {
  const own = new Set(config.types.map(localName));
  return requested.every((type) => own.has(type));
}

const ENVELOPE_NAMESPACES: Record<WsDiscoveryResponderConfig['style'], string> = {
  hikvision:
    'xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:soapenc="http://www.w3.org/2003/05/soap-encoding" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:ter="http://www.onvif.org/ver10/error" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:wsadis="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:tnshik="http://www.hikvision.com/2011/event/topics" xmlns:hikwsd="http://www.onvifext.com/onvif/ext/ver10/wsdl"',
  dahua:
    'xmlns:sc="http://www.w3.org/2003/05/soap-encoding" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"',
  axis: 'xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:SOAP-ENC="http://www.w3.org/2003/05/soap-encoding" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"',
};

let messageNumber = 0;

export function buildProbeMatches(config: WsDiscoveryResponderConfig, relatesTo: string, context: ResponderContext): Buffer {
  // Lower case, as Hikvision and Dahua firmware write UUIDs.
  const endpoint = renderTemplate(config.endpoint, context).toLowerCase();
  const scopes = config.scopes.map((scope) => renderTemplate(scope, context)).join(' ');
  const xaddrs = config.xaddrs.map((xaddr) => renderTemplate(xaddr, context)).join(' ');
  const types = config.types.join(' ');
  const action = 'http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches';
  messageNumber += 1;
  let text: string;
  if (config.style === 'hikvision') {
    text =
      `<?xml version="1.0" encoding="utf-8"?>\n<env:Envelope ${ENVELOPE_NAMESPACES.hikvision}>\n<env:Header>\n` +
      `<wsadis:MessageID>${endpoint}</wsadis:MessageID>\n<wsadis:RelatesTo>${relatesTo}</wsadis:RelatesTo>\n` +
      `<wsadis:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsadis:To>\n<wsadis:Action>${action}</wsadis:Action>\n` +
      `<d:AppSequence InstanceId="${process.pid}" MessageNumber="${messageNumber}"/>\n</env:Header>\n<env:Body>\n<d:ProbeMatches>\n<d:ProbeMatch>\n` +
      `<wsadis:EndpointReference>\n<wsadis:Address>${endpoint}</wsadis:Address>\n</wsadis:EndpointReference>\n` +
      `<d:Types>${types}</d:Types>\n<d:Scopes>${scopes}</d:Scopes>\n<d:XAddrs>${xaddrs}</d:XAddrs>\n<d:MetadataVersion>${config.metadataVersion}</d:MetadataVersion>\n` +
      `</d:ProbeMatch>\n</d:ProbeMatches>\n</env:Body>\n</env:Envelope>\n`;
  } else if (config.style === 'dahua') {
    text =
      `<?xml version="1.0" encoding="utf-8" standalone="yes" ?><s:Envelope ${ENVELOPE_NAMESPACES.dahua}><s:Header>` +
      `<a:MessageID>uuid:${randomUUID()}</a:MessageID><a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To><a:Action>${action}</a:Action>` +
      `<a:RelatesTo>${relatesTo}</a:RelatesTo></s:Header><s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>${endpoint}</a:Address></a:EndpointReference>` +
      `<d:Types>${types}</d:Types><d:Scopes>${scopes}</d:Scopes><d:XAddrs>${xaddrs}</d:XAddrs><d:MetadataVersion>${config.metadataVersion}</d:MetadataVersion>` +
      `</d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`;
  } else {
    text =
      `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope ${ENVELOPE_NAMESPACES.axis}><SOAP-ENV:Header><wsa:MessageID>uuid:${randomUUID()}</wsa:MessageID>` +
      `<wsa:RelatesTo>${relatesTo}</wsa:RelatesTo><wsa:To SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>` +
      `<wsa:Action SOAP-ENV:mustUnderstand="true">${action}</wsa:Action><d:AppSequence SOAP-ENV:mustUnderstand="true" MessageNumber="${messageNumber}" InstanceId="${process.pid}"></d:AppSequence></SOAP-ENV:Header>` +
      `<SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch><wsa:EndpointReference><wsa:Address>${endpoint}</wsa:Address></wsa:EndpointReference><d:Types>${types}</d:Types>` +
      `<d:Scopes>${scopes}</d:Scopes><d:XAddrs>${xaddrs}</d:XAddrs><d:MetadataVersion>${config.metadataVersion}</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>\n`;
  }
  return Buffer.from(text, 'utf8');
}

export const start: StartResponder = async (value, context) => {
  const parsed = parseWsDiscoveryConfig(value);
  if (!parsed.ok) throw new Error(`wsdiscovery section of ${context.profile.name}: ${parsed.reason}`);
  const config = parsed.value;
  const endpoint = renderTemplate(config.endpoint, context);
  if (!/^(?:urn:)?uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(endpoint)) {
    throw new Error(`wsdiscovery section of ${context.profile.name}: endpoint ${endpoint} is not a uuid`);
  }
  buildProbeMatches(config, 'urn:uuid:00000000-0000-0000-0000-000000000000', context);
  return listenUdpGroup({ protocol: 'wsdiscovery', port: WS_DISCOVERY_PORT, group: WS_DISCOVERY_GROUP }, context, (data) => {
    const probe = readProbe(data);
    if (probe === undefined || !answersProbe(config, probe.types)) return undefined;
    return buildProbeMatches(config, probe.messageId, context);
  });
};
