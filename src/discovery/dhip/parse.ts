// Dahua DHIP client.notifyDevInfo reader: pure, bounded, never throws. The format as julienblitte/UniversalScanner
// (UniversalScanner/Dahua2.cs) reads it; reply samples in Phenomite/AMP-Research, "DVR IP Camera port 37810/README.md".
import type { JsonValue } from '../../model.js';
import { normaliseMac } from '../../observation.js';
import { parsed, rejected, type ParseResult } from '../parse-result.js';
import { trimTrailingNulAndSpace } from '../trim.js';
import { DHIP_HEADER_BYTES, DHIP_MAGIC } from './probe.js';
import { PARSE_LIMITS } from '../../config.js';

export const DHIP_MAX_REPLY_BYTES = 65_535;

export interface DhipDeviceInfo {
  /** The top-level `mac` and every `params.deviceInfo` field by its JSON name, nested objects kept as they came. */
  fields: Record<string, JsonValue>;
  method: string;
  /** Lower-case, colon-separated. */
  mac?: string;
  deviceType?: string;
  deviceClass?: string;
  serialNo?: string;
  machineName?: string;
  vendor?: string;
  manufacturer?: string;
  version?: string;
  httpPort?: number;
  port?: number;
  /** IPv4Address.IPAddress: what the device says its address is. */
  ipv4Address?: string;
}

function isJsonObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function depthOf(value: unknown, limit: number): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (limit <= 0) return 1;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child, limit - 1));
  return deepest + 1;
}

function stringField(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function portField(value: JsonValue | undefined): number | undefined {
  const port = typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : value;
  return typeof port === 'number' && Number.isInteger(port) && port > 0 && port <= 65_535 ? port : undefined;
}

/** The JSON text of a datagram: after the DHIP header when there is one, trailing NUL/newline stripped. */
function bodyOf(data: Buffer): ParseResult<string> {
  if (data.length >= DHIP_HEADER_BYTES && data.toString('latin1', 4, 8) === DHIP_MAGIC) {
    const available = data.length - DHIP_HEADER_BYTES;
    const declared = data.readUInt32LE(16);
    // Some firmware counts the trailing newline, some does not; a length past the end is trusted no further.
    const length = declared > 0 && declared <= available ? declared : available;
    return parsed(data.toString('utf8', DHIP_HEADER_BYTES, DHIP_HEADER_BYTES + length));
  }
  // A bare JSON body (no header) is accepted: the fields are the same.
  if (data.length > 0 && data[0] === 0x7b) return parsed(data.toString('utf8'));
  return rejected('no DHIP header and no JSON body');
}

export function parseDhipReply(data: Buffer, maxBytes: number = DHIP_MAX_REPLY_BYTES): ParseResult<DhipDeviceInfo> {
  if (data.length === 0) return rejected('empty datagram');
  if (data.length > maxBytes) return rejected(`datagram of ${data.length} bytes exceeds the ${maxBytes}-byte bound`);
  const body = bodyOf(data);
  if (!body.ok) return body;
  const text = trimTrailingNulAndSpace(body.value);
  if (text.length === 0) return rejected('DHIP header with an empty body');
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (error) {
    return rejected(`body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isJsonObject(message)) return rejected('body is not a JSON object');
  if (depthOf(message, PARSE_LIMITS.maxJsonDepth + 1) > PARSE_LIMITS.maxJsonDepth) return rejected(`JSON nested deeper than ${PARSE_LIMITS.maxJsonDepth}`);
  const method = typeof message.method === 'string' ? message.method : '';
  if (method === 'DHDiscover.search') return rejected('a DHDiscover.search request (another scanner), not a reply');
  const params = message.params;
  const deviceInfo = isJsonObject(params) ? params.deviceInfo : undefined;
  if (!isJsonObject(deviceInfo)) return rejected(`no params.deviceInfo object (method "${method.slice(0, 64)}")`);

  // Object.fromEntries defines own properties, so a key such as "__proto__" stays a plain field.
  const entries = Object.entries(deviceInfo).filter(([name]) => name !== 'mac' || message.mac === undefined);
  const fields: Record<string, JsonValue> = Object.fromEntries(
    message.mac === undefined ? entries : [['mac', message.mac], ...entries],
  );
  const info: DhipDeviceInfo = { fields, method };
  const set = <K extends keyof DhipDeviceInfo>(key: K, value: DhipDeviceInfo[K] | undefined): void => {
    if (value !== undefined) info[key] = value;
  };
  set('mac', normaliseMac(stringField(message.mac) ?? stringField(deviceInfo.mac)));
  set('deviceType', stringField(deviceInfo.DeviceType));
  set('deviceClass', stringField(deviceInfo.DeviceClass));
  set('serialNo', stringField(deviceInfo.SerialNo));
  set('machineName', stringField(deviceInfo.MachineName));
  set('vendor', stringField(deviceInfo.Vendor));
  set('manufacturer', stringField(deviceInfo.Manufacturer));
  set('version', stringField(deviceInfo.Version));
  set('httpPort', portField(deviceInfo.HttpPort));
  set('port', portField(deviceInfo.Port));
  const ipv4 = deviceInfo.IPv4Address;
  set('ipv4Address', isJsonObject(ipv4) ? stringField(ipv4.IPAddress) : undefined);
  if (info.mac === undefined && info.serialNo === undefined) return rejected('deviceInfo carries neither a mac nor a SerialNo');
  return parsed(info);
}
