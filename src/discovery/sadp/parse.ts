// Hikvision SADP ProbeMatch reader: pure, bounded, never throws. Fields as
// cameronnewman/hikvision-tooling (internal/sadp/scanner.go) reads them.
import { normaliseMac } from '../../observation.js';
import { parsed, rejected, type ParseResult } from '../parse-result.js';
import { isXmlObject, parseXmlSafely, xmlText, type XmlNode } from '../safe-xml.js';

/** A UDP datagram cannot be larger; anything claiming to be is not a SADP reply. */
export const SADP_MAX_REPLY_BYTES = 65_535;

export interface SadpProbeMatch {
  /** Every child element of <ProbeMatch> by its element name, text exactly as the device sent it, in order. */
  fields: Record<string, string>;
  /** The echoed probe Uuid. */
  uuid?: string;
  types?: string;
  /** Numeric device-type code (e.g. 142378); DeviceDescription carries the model. */
  deviceType?: number;
  model?: string;
  serial?: string;
  /** Lower-case, colon-separated. */
  mac?: string;
  /** The address the device says it has: may differ from the sender (factory default 192.0.0.64 and the like). */
  ipv4Address?: string;
  ipv4SubnetMask?: string;
  ipv4Gateway?: string;
  ipv6Address?: string;
  dhcp?: boolean;
  commandPort?: number;
  httpPort?: number;
  sdkOverTlsPort?: number;
  softwareVersion?: string;
  dspVersion?: string;
  bootTime?: string;
  /** False on a factory-fresh unit that has no password yet. */
  activated?: boolean;
  oemInfo?: string;
  detailOemCode?: string;
}

/** Real firmware writes `flase` (HCPlatformEnable, DeviceLock in ProbeMatch captures), so booleans are read leniently. */
export function parseSadpBoolean(raw: string | undefined): boolean | undefined {
  const value = raw?.trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false' || value === 'flase') return false;
  return undefined;
}

function parsePort(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\d{1,5}$/.test(raw.trim())) return undefined;
  const port = Number(raw.trim());
  return port > 0 && port <= 65_535 ? port : undefined;
}

function parseUnsigned(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\d{1,10}$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

function nonEmpty(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  return value ? value : undefined;
}

/** An element's text; nested elements (not seen in real replies) are kept as JSON so nothing is lost. */
function fieldText(node: XmlNode): string {
  if (Array.isArray(node)) return node.map(fieldText).join(',');
  if (typeof node === 'string') return xmlText(node) ?? '';
  return JSON.stringify(node);
}

export function parseSadpReply(data: Buffer, maxBytes: number = SADP_MAX_REPLY_BYTES): ParseResult<SadpProbeMatch> {
  const document = parseXmlSafely(data, maxBytes);
  if (!document.ok) return document;
  const roots = Object.keys(document.value);
  if (roots.length !== 1) return rejected(`expected one root element, found ${roots.length}`);
  const rootName = roots[0] ?? '';
  if (rootName === 'Probe') return rejected('a SADP Probe (another scanner), not a ProbeMatch');
  // A device also announces itself unasked with the same fields under <Hello> (<Types>hello</Types>) once it boots.
  if (rootName !== 'ProbeMatch' && rootName !== 'Hello') return rejected(`root element is <${rootName}>, not <ProbeMatch> or <Hello>`);
  const root = document.value[rootName];
  if (!isXmlObject(root)) return rejected('ProbeMatch has no child elements');

  const fields: Record<string, string> = Object.fromEntries(
    Object.entries(root)
      .filter(([name]) => name !== '#text')
      .map(([name, node]) => [name, fieldText(node)]),
  );
  if (Object.keys(fields).length === 0) return rejected('ProbeMatch has no child elements');
  const mac = normaliseMac(fields.MAC);
  const serial = nonEmpty(fields.DeviceSN);
  if (mac === undefined && serial === undefined) return rejected('ProbeMatch carries neither a MAC nor a DeviceSN');

  const match: SadpProbeMatch = { fields };
  const set = <K extends keyof SadpProbeMatch>(key: K, value: SadpProbeMatch[K] | undefined): void => {
    if (value !== undefined) match[key] = value;
  };
  set('uuid', nonEmpty(fields.Uuid));
  set('types', nonEmpty(fields.Types));
  set('deviceType', parseUnsigned(fields.DeviceType));
  set('model', nonEmpty(fields.DeviceDescription));
  set('serial', serial);
  set('mac', mac);
  set('ipv4Address', nonEmpty(fields.IPv4Address));
  set('ipv4SubnetMask', nonEmpty(fields.IPv4SubnetMask));
  set('ipv4Gateway', nonEmpty(fields.IPv4Gateway));
  set('ipv6Address', nonEmpty(fields.IPv6Address));
  set('dhcp', parseSadpBoolean(fields.DHCP));
  set('commandPort', parsePort(fields.CommandPort));
  set('httpPort', parsePort(fields.HttpPort));
  set('sdkOverTlsPort', parsePort(fields.SDKOverTLSPort));
  set('softwareVersion', nonEmpty(fields.SoftwareVersion));
  set('dspVersion', nonEmpty(fields.DSPVersion));
  set('bootTime', nonEmpty(fields.BootTime));
  set('activated', parseSadpBoolean(fields.Activated));
  set('oemInfo', nonEmpty(fields.OEMInfo));
  set('detailOemCode', nonEmpty(fields.DetailOEMCode));
  return parsed(match);
}
