// ONVIF device-service response readers: pure, bounded, never throw.
import { parsed, rejected, type ParseResult } from '../parse-result.js';
import { isXmlObject, parseXmlSafely, xmlChild, xmlPath, xmlText, type XmlNode } from '../safe-xml.js';

export type OnvifReply = { kind: 'response'; body: XmlNode } | { kind: 'fault'; code: string; subcode?: string; reason: string };

/** A SOAP envelope: its Body, or the Fault it carries (NotAuthorized and friends are answers, not parse errors). */
export function parseOnvifEnvelope(data: Buffer, maxBytes: number): ParseResult<OnvifReply> {
  const document = parseXmlSafely(data, maxBytes);
  if (!document.ok) return document;
  const body = xmlPath(document.value, 'Envelope', 'Body');
  if (body === undefined) return rejected('no SOAP Envelope/Body');
  const fault = xmlChild(body, 'Fault');
  if (fault !== undefined) {
    const code = xmlText(xmlPath(fault, 'Code', 'Value')) ?? xmlText(xmlChild(fault, 'faultcode')) ?? '';
    const subcode = xmlText(xmlPath(fault, 'Code', 'Subcode', 'Value'));
    const reason = (xmlText(xmlPath(fault, 'Reason', 'Text')) ?? xmlText(xmlChild(fault, 'faultstring')) ?? '').slice(0, 200);
    return parsed(subcode === undefined ? { kind: 'fault', code, reason } : { kind: 'fault', code, subcode, reason });
  }
  return parsed({ kind: 'response', body });
}

/** True for the faults that mean "credentials needed or wrong" (ter:NotAuthorized, wsse:FailedAuthentication, …). */
export function isAuthorizationFault(reply: OnvifReply): boolean {
  if (reply.kind !== 'fault') return false;
  return /NotAuthori[sz]ed|FailedAuthentication|InvalidSecurity|Sender not Authori[sz]ed/i.test(`${reply.subcode ?? ''} ${reply.code} ${reply.reason}`);
}

function numberAt(node: XmlNode | undefined, name: string): number | undefined {
  const text = xmlText(xmlChild(node, name))?.trim();
  return text !== undefined && /^\d{1,4}$/.test(text) ? Number(text) : undefined;
}

function dateTimeOf(node: XmlNode | undefined): { year: number; month: number; day: number; hour: number; minute: number; second: number } | undefined {
  const date = xmlChild(node, 'Date');
  const time = xmlChild(node, 'Time');
  const parts = {
    year: numberAt(date, 'Year'),
    month: numberAt(date, 'Month'),
    day: numberAt(date, 'Day'),
    hour: numberAt(time, 'Hour'),
    minute: numberAt(time, 'Minute'),
    second: numberAt(time, 'Second'),
  };
  const { year, month, day, hour, minute, second } = parts;
  if (year === undefined || month === undefined || day === undefined || hour === undefined || minute === undefined || second === undefined) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 61) return undefined;
  return { year, month, day, hour, minute, second };
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

export interface OnvifDateTime {
  /** ISO 8601: UTC with `Z` when the device gave UTCDateTime, else its local time without a zone. */
  text: string;
  /** Device clock in ms since the epoch, when the device gave UTC. */
  utcMs?: number;
  timeZone?: string;
}

export function readSystemDateAndTime(body: XmlNode): ParseResult<OnvifDateTime> {
  const root = xmlPath(body, 'GetSystemDateAndTimeResponse', 'SystemDateAndTime');
  if (root === undefined) return rejected('no GetSystemDateAndTimeResponse/SystemDateAndTime');
  const timeZone = xmlText(xmlPath(root, 'TimeZone', 'TZ'))?.trim();
  const withZone = (value: OnvifDateTime): OnvifDateTime => (timeZone ? { ...value, timeZone } : value);
  const utc = dateTimeOf(xmlChild(root, 'UTCDateTime'));
  if (utc !== undefined) {
    const utcMs = Date.UTC(utc.year, utc.month - 1, utc.day, utc.hour, utc.minute, utc.second);
    const text = `${pad(utc.year, 4)}-${pad(utc.month)}-${pad(utc.day)}T${pad(utc.hour)}:${pad(utc.minute)}:${pad(utc.second)}Z`;
    return parsed(withZone({ text, utcMs }));
  }
  const local = dateTimeOf(xmlChild(root, 'LocalDateTime'));
  if (local === undefined) return rejected('SystemDateAndTime has neither UTCDateTime nor LocalDateTime');
  return parsed(withZone({ text: `${pad(local.year, 4)}-${pad(local.month)}-${pad(local.day)}T${pad(local.hour)}:${pad(local.minute)}:${pad(local.second)}` }));
}

/** GetCapabilities categories → the service namespace ONVIF gives each in GetServices. */
const CAPABILITY_NAMESPACES: Record<string, string> = {
  Analytics: 'http://www.onvif.org/ver20/analytics/wsdl',
  Device: 'http://www.onvif.org/ver10/device/wsdl',
  Events: 'http://www.onvif.org/ver10/events/wsdl',
  Imaging: 'http://www.onvif.org/ver20/imaging/wsdl',
  Media: 'http://www.onvif.org/ver10/media/wsdl',
  PTZ: 'http://www.onvif.org/ver20/ptz/wsdl',
  DeviceIO: 'http://www.onvif.org/ver10/deviceIO/wsdl',
  Recording: 'http://www.onvif.org/ver10/recording/wsdl',
  Search: 'http://www.onvif.org/ver10/search/wsdl',
  Replay: 'http://www.onvif.org/ver10/replay/wsdl',
};

/** Namespace → XAddr for every capability that names one (unknown categories keyed by their element name). */
export function readCapabilities(body: XmlNode): ParseResult<Record<string, string>> {
  const capabilities = xmlPath(body, 'GetCapabilitiesResponse', 'Capabilities');
  if (!isXmlObject(capabilities)) return rejected('no GetCapabilitiesResponse/Capabilities');
  const services: Record<string, string> = {};
  const collect = (container: XmlNode | undefined): void => {
    if (!isXmlObject(container)) return;
    for (const [category, node] of Object.entries(container)) {
      const xaddr = xmlText(xmlChild(node, 'XAddr'))?.trim();
      if (xaddr) services[CAPABILITY_NAMESPACES[category] ?? category] = xaddr;
    }
  };
  collect(capabilities);
  collect(xmlChild(capabilities, 'Extension'));
  return parsed(services);
}

/** GetDeviceInformation fields by their ONVIF names (Manufacturer, Model, FirmwareVersion, SerialNumber, HardwareId). */
export function readDeviceInformation(body: XmlNode): ParseResult<Record<string, string>> {
  const response = xmlChild(body, 'GetDeviceInformationResponse');
  if (!isXmlObject(response)) return rejected('no GetDeviceInformationResponse');
  const fields: Record<string, string> = Object.fromEntries(
    Object.entries(response)
      .filter(([name, node]) => name !== '#text' && typeof node === 'string')
      .map(([name, node]) => [name, xmlText(node)?.trim() ?? '']),
  );
  if (Object.keys(fields).length === 0) return rejected('GetDeviceInformationResponse is empty');
  return parsed(fields);
}
