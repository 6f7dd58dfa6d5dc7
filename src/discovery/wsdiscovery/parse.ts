// WS-Discovery ProbeMatches (and Hello) reader: pure, bounded, never throws, namespace-prefix agnostic
// (devices use s:/SOAP-ENV:/env: and d:/wsd:/wsdd:/wsadis: freely; edgexfoundry/device-onvif-camera#412).
import { normaliseMac } from '../../observation.js';
import { parsed, rejected, type ParseResult } from '../parse-result.js';
import { parseXmlSafely, xmlChild, xmlChildren, xmlPath, xmlText, type XmlNode } from '../safe-xml.js';
import { PARSE_LIMITS } from '../../config.js';

export const WS_DISCOVERY_MAX_REPLY_BYTES = 65_535;

export interface WsDiscoveryMatch {
  /** EndpointReference address, e.g. `urn:uuid:…`. */
  endpoint?: string;
  types: string[];
  /** Scope URIs exactly as sent (percent-encoded). */
  scopes: string[];
  xaddrs: string[];
  metadataVersion?: number;
  /** `onvif://www.onvif.org/<category>/<value>` scopes, value percent-decoded, by category (name, hardware, location, MAC, …). */
  scopeValues: Record<string, string[]>;
  name?: string;
  hardware?: string;
  /** From the MAC scope, else from the node field of a version-1 endpoint UUID. */
  mac?: string;
}

export interface WsDiscoveryReply {
  kind: 'ProbeMatches' | 'Hello' | 'Bye';
  /** The MessageID of the probe this answers. */
  relatesTo?: string;
  matches: WsDiscoveryMatch[];
}

function words(text: string | undefined): string[] {
  return (text ?? '').split(/\s+/).filter((word) => word.length > 0).slice(0, PARSE_LIMITS.wsDiscoveryMaxListItems);
}

function decodePercent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A malformed escape is kept as written: the raw scope is still in `scopes`.
    return text;
  }
}

const ONVIF_SCOPE_PREFIX = 'onvif://www.onvif.org/';

export function parseOnvifScopes(scopes: string[]): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  for (const scope of scopes) {
    if (!scope.toLowerCase().startsWith(ONVIF_SCOPE_PREFIX)) continue;
    const rest = scope.slice(ONVIF_SCOPE_PREFIX.length);
    const slash = rest.indexOf('/');
    const category = slash < 0 ? rest : rest.slice(0, slash);
    if (!category || category === '__proto__') continue;
    const value = slash < 0 ? '' : decodePercent(rest.slice(slash + 1));
    if (!Object.hasOwn(values, category)) values[category] = [];
    values[category]?.push(value);
  }
  return values;
}

/**
 * A version-1 UUID carries a node id, which by RFC 4122 is an IEEE MAC unless its multicast bit is set.
 * Hikvision firmware uses the camera's MAC there (device names in edgexfoundry/device-onvif-camera#140), which survives routers.
 */
export function macFromUuid(endpoint: string | undefined): string | undefined {
  const match = /^(?:urn:)?(?:uuid:)?\s*[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-([0-9a-f]{12})$/i.exec(endpoint?.trim() ?? '');
  const node = match?.[1];
  if (node === undefined) return undefined;
  if ((Number.parseInt(node.slice(0, 2), 16) & 1) === 1) return undefined;
  return normaliseMac(node);
}

function firstValue(values: Record<string, string[]>, ...categories: string[]): string | undefined {
  for (const [category, list] of Object.entries(values)) {
    if (categories.includes(category.toLowerCase()) && list[0]) return list[0];
  }
  return undefined;
}

function parseMatch(node: XmlNode): WsDiscoveryMatch {
  const endpoint = xmlText(xmlPath(node, 'EndpointReference', 'Address'))?.trim();
  const scopes = words(xmlText(xmlChild(node, 'Scopes')));
  const metadataText = xmlText(xmlChild(node, 'MetadataVersion'))?.trim();
  const scopeValues = parseOnvifScopes(scopes);
  const match: WsDiscoveryMatch = {
    types: words(xmlText(xmlChild(node, 'Types'))),
    scopes,
    xaddrs: words(xmlText(xmlChild(node, 'XAddrs'))),
    scopeValues,
  };
  if (endpoint) match.endpoint = endpoint;
  if (metadataText !== undefined && /^\d{1,10}$/.test(metadataText)) match.metadataVersion = Number(metadataText);
  const name = firstValue(scopeValues, 'name');
  const hardware = firstValue(scopeValues, 'hardware');
  const mac = normaliseMac(firstValue(scopeValues, 'mac', 'macaddress')) ?? macFromUuid(endpoint);
  if (name !== undefined) match.name = name;
  if (hardware !== undefined) match.hardware = hardware;
  if (mac !== undefined) match.mac = mac;
  return match;
}

function faultReason(fault: XmlNode): string {
  const code = xmlText(xmlPath(fault, 'Code', 'Subcode', 'Value')) ?? xmlText(xmlPath(fault, 'Code', 'Value'));
  const reason = xmlText(xmlPath(fault, 'Reason', 'Text')) ?? xmlText(xmlChild(fault, 'faultstring'));
  return `SOAP fault ${code ?? '(no code)'}: ${(reason ?? '').slice(0, 200)}`;
}

export function parseWsDiscoveryReply(data: Buffer, maxBytes: number = WS_DISCOVERY_MAX_REPLY_BYTES): ParseResult<WsDiscoveryReply> {
  const document = parseXmlSafely(data, maxBytes);
  if (!document.ok) return document;
  const envelope = xmlChild(document.value, 'Envelope');
  if (envelope === undefined) return rejected('no SOAP Envelope');
  const body = xmlChild(envelope, 'Body');
  if (body === undefined) return rejected('no SOAP Body');
  const fault = xmlChild(body, 'Fault');
  if (fault !== undefined) return rejected(faultReason(fault));
  if (xmlChild(body, 'Probe') !== undefined) return rejected('a WS-Discovery Probe (another client), not a reply');
  const relatesTo = xmlText(xmlPath(envelope, 'Header', 'RelatesTo'))?.trim();

  const probeMatches = xmlChild(body, 'ProbeMatches');
  const hello = xmlChild(body, 'Hello');
  // Bye (a device leaving) usually carries only its EndpointReference (WS-Discovery 2005/04 §4.2).
  const bye = xmlChild(body, 'Bye');
  const kind = probeMatches !== undefined ? 'ProbeMatches' : hello !== undefined ? 'Hello' : bye !== undefined ? 'Bye' : undefined;
  if (kind === undefined) return rejected('Body holds neither ProbeMatches, Hello nor Bye');
  const nodes = kind === 'ProbeMatches' ? xmlChildren(probeMatches, 'ProbeMatch') : [(hello ?? bye) as XmlNode];
  if (nodes.length > PARSE_LIMITS.wsDiscoveryMaxMatches) return rejected(`${nodes.length} ProbeMatch elements (more than ${PARSE_LIMITS.wsDiscoveryMaxMatches})`);
  const matches = nodes.map(parseMatch).filter((match) => match.endpoint !== undefined || match.xaddrs.length > 0);
  if (matches.length === 0) return rejected(`${kind} without an endpoint or XAddrs`);
  const reply: WsDiscoveryReply = { kind, matches };
  if (relatesTo) reply.relatesTo = relatesTo;
  return parsed(reply);
}
