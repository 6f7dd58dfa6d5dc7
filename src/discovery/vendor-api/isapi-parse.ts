// Hikvision ISAPI documents a credentialed scan reads: pure, bytes in, typed fields out. Every document goes through
// safe-xml.ts (no DOCTYPE, no entity expansion); elements are read by local name, since firmware uses the
// hikvision.com ver10/ver20 and isapi.org ver20 namespaces for the same schema.
//
// Field names are the vendor's, from public sources:
//   DeviceInfo (/ISAPI/System/deviceInfo): Hik-Partner Pro OpenAPI Developer Guide V2.14.0, A.5.16 XML_DeviceInfo.
//   InputProxyChannel (/ISAPI/ContentMgmt/InputProxy/channels): same guide, A.5.17 XML_InputProxyChannel; the
//     read-only deviceTypeName, serialNumber, firmwareVersion were added in 2019 ("Extended the network camera
//     information XML_InputProxyChannel", ISAPI General Application guide, update history). Clients write
//     <proxyProtocol> where the isapi.org schema says <adminProtocol>: either is read.
//   InputProxyChannelStatus (/ISAPI/ContentMgmt/InputProxy/channels/status): same guide, A.5.19.
//   EZVIZ (/ISAPI/System/Network/EZVIZ): the Hik-Connect/EZVIZ cloud setting, `enabled`, `registerStatus`,
//     `bindStatus`, `offlineStatus` (ISAPI guide, Network > EZVIZ; an "Observed Response" in public integration notes).
import { VENDOR_API_LIMITS } from '../../config.js';
import { parsed, rejected, type ParseResult } from '../parse-result.js';
import { isXmlObject, parseXmlSafely, xmlChild, xmlChildren, xmlText, type XmlNode } from '../safe-xml.js';

const { maxValueChars: MAX_VALUE_CHARS, maxFields: MAX_FIELDS, maxChannels: MAX_CHANNELS } = VENDOR_API_LIMITS;

/** Never kept: secrets a device may echo (the EZVIZ verification code; a channel's login to its camera). */
const SECRET_FIELDS = new Set(['password', 'userName', 'verificationCode']);

const clip = (value: string): string => (value.length > MAX_VALUE_CHARS ? value.slice(0, MAX_VALUE_CHARS) : value);

/** The scalar children of an element, by local name: nested elements are skipped, secrets never kept. */
function scalarFields(node: XmlNode | undefined, into: Record<string, string> = {}): Record<string, string> {
  const container = Array.isArray(node) ? node[0] : node;
  if (!isXmlObject(container)) return into;
  for (const [name, child] of Object.entries(container)) {
    if (Object.keys(into).length >= MAX_FIELDS) break;
    if (name === '#text' || SECRET_FIELDS.has(name) || Object.hasOwn(into, name)) continue;
    const first = Array.isArray(child) ? child[0] : child;
    if (typeof first !== 'string' && !(isXmlObject(first) && typeof first['#text'] === 'string' && Object.keys(first).length === 1)) continue;
    const text = xmlText(first);
    if (text !== undefined && text !== '') into[name] = clip(text);
  }
  return into;
}

function rootElement(body: Buffer | string, maxBytes: number, name: string): ParseResult<XmlNode> {
  const document = parseXmlSafely(body, maxBytes);
  if (!document.ok) return document;
  const root = xmlChild(document.value, name);
  if (root === undefined) {
    const status = xmlChild(document.value, 'ResponseStatus');
    if (status !== undefined) return rejected(`ISAPI error ${xmlText(xmlChild(status, 'subStatusCode')) ?? xmlText(xmlChild(status, 'statusString')) ?? 'unknown'}`);
    return rejected(`no ${name} element`);
  }
  return parsed(root);
}

/** `/ISAPI/System/deviceInfo`: model, serialNumber, firmwareVersion, macAddress, deviceType, … */
export function readIsapiDeviceInfo(body: Buffer | string, maxBytes: number): ParseResult<Record<string, string>> {
  const root = rootElement(body, maxBytes, 'DeviceInfo');
  if (!root.ok) return root;
  const fields = scalarFields(root.value);
  if (fields.model === undefined && fields.serialNumber === undefined) return rejected('DeviceInfo without model or serialNumber');
  return parsed(fields);
}

/** `/ISAPI/System/Network/EZVIZ`: enabled, registerStatus, bindStatus, …; the server's host name as serverAddress. */
export function readIsapiEzviz(body: Buffer | string, maxBytes: number): ParseResult<Record<string, string>> {
  const root = rootElement(body, maxBytes, 'EZVIZ');
  if (!root.ok) return root;
  const fields = scalarFields(root.value);
  const server = xmlChild(root.value, 'serverAddress');
  const host = xmlText(xmlChild(server, 'hostName')) ?? xmlText(xmlChild(server, 'ipAddress'));
  if (host !== undefined && host !== '') fields.serverAddress = clip(host);
  if (fields.enabled === undefined) return rejected('EZVIZ without enabled');
  return parsed(fields);
}

export interface InputProxyChannel {
  /** The channel number as the NVR numbers it (from 1). */
  id: number;
  /** `name`, then every scalar of `sourceInputPortDescriptor` (ipAddress, proxyProtocol, deviceTypeName, …). */
  fields: Record<string, string>;
}

function channelId(node: XmlNode): number | undefined {
  const text = xmlText(xmlChild(node, 'id'));
  if (text === undefined || !/^\d{1,4}$/.test(text)) return undefined;
  const id = Number(text);
  return id >= 1 ? id : undefined;
}

/** `/ISAPI/ContentMgmt/InputProxy/channels`: one entry per IP channel, with the camera's address and identity. */
export function readInputProxyChannels(body: Buffer | string, maxBytes: number): ParseResult<InputProxyChannel[]> {
  const root = rootElement(body, maxBytes, 'InputProxyChannelList');
  if (!root.ok) return root;
  const channels: InputProxyChannel[] = [];
  const seen = new Set<number>();
  for (const node of xmlChildren(root.value, 'InputProxyChannel').slice(0, MAX_CHANNELS)) {
    const id = channelId(node);
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    const fields: Record<string, string> = {};
    const name = xmlText(xmlChild(node, 'name'));
    if (name !== undefined && name !== '') fields.name = clip(name);
    scalarFields(xmlChild(node, 'sourceInputPortDescriptor'), fields);
    if (fields.adminProtocol !== undefined && fields.proxyProtocol === undefined) fields.proxyProtocol = fields.adminProtocol;
    channels.push({ id, fields });
  }
  return parsed(channels.sort((a, b) => a.id - b.id));
}

export interface InputProxyChannelStatus {
  id: number;
  /** `online` and `chanDetectResult` (connect, netUnreachable, errorUserNameOrPasswd, …). */
  fields: Record<string, string>;
}

/** `/ISAPI/ContentMgmt/InputProxy/channels/status`: whether the NVR reaches each camera. */
export function readInputProxyStatus(body: Buffer | string, maxBytes: number): ParseResult<InputProxyChannelStatus[]> {
  const root = rootElement(body, maxBytes, 'InputProxyChannelStatusList');
  if (!root.ok) return root;
  const statuses: InputProxyChannelStatus[] = [];
  for (const node of xmlChildren(root.value, 'InputProxyChannelStatus').slice(0, MAX_CHANNELS)) {
    const id = channelId(node);
    if (id === undefined) continue;
    const fields: Record<string, string> = {};
    for (const name of ['online', 'chanDetectResult']) {
      const value = xmlText(xmlChild(node, name));
      if (value !== undefined && value !== '') fields[name] = clip(value);
    }
    statuses.push({ id, fields });
  }
  return parsed(statuses);
}
