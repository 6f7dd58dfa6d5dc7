// Dahua DHIP discovery (UDP 37810, group 239.255.255.251) as the firmware answers it (real replies in
// test/fixtures/dhip, origins in its README.md): the
// 32-byte DHIP header, then `client.notifyDevInfo` JSON with the top-level mac and params.deviceInfo, then the
// `0a 00` tail seen in the real capture. Two JSON styles from the two real replies: `compact`
// (IPC-HDW1431T1-S4) and `spaced` (` : ` separators, `\/` escaped; IPC-HDW5421S).
//
// Profile section:
//   "dhip": { "deviceInfo": { "DeviceType": "{{identity.model}}", "HttpPort": 80, "IPv4Address": { … }, … },
//             "style": "compact" | "spaced" }

import type { JsonValue } from '../../../../src/model.js';
import { JsonReader } from '../../validate.js';
import { renderTemplate, type ResponderContext, type StartResponder } from '../responder.js';
import { listenUdpGroup } from '../udp-group.js';

export const DHIP_PORT = 37_810;
export const DHIP_GROUP = '239.255.255.251';
const HEADER_BYTES = 32;

export interface DhipResponderConfig {
  deviceInfo: Record<string, JsonValue>;
  style: 'compact' | 'spaced';
}

function isJsonValue(value: unknown, depth = 0): value is JsonValue {
  if (depth > 4) return false;
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  return typeof value === 'object' && Object.values(value as object).every((item) => isJsonValue(item, depth + 1));
}

export function parseDhipConfig(value: unknown): { ok: true; value: DhipResponderConfig } | { ok: false; reason: string } {
  const r = new JsonReader();
  const root = r.object(value, 'dhip');
  if (!root) return { ok: false, reason: r.problems.join('; ') };
  r.noExtraKeys(root, 'dhip', ['deviceInfo', 'style', '$comment']);
  const deviceInfo = r.object(root.deviceInfo, 'dhip.deviceInfo');
  if (deviceInfo && !isJsonValue(deviceInfo)) r.problem('dhip.deviceInfo', 'not plain JSON of depth ≤ 4');
  const style = root.style === undefined ? 'compact' : r.oneOf(root.style, 'dhip.style', ['compact', 'spaced'] as const);
  if (r.problems.length > 0 || !deviceInfo || style === undefined) return { ok: false, reason: r.problems.join('; ') };
  return { ok: true, value: { deviceInfo: deviceInfo as Record<string, JsonValue>, style } };
}

function renderJson(value: JsonValue, context: ResponderContext): JsonValue {
  if (typeof value === 'string') return renderTemplate(value, context);
  if (Array.isArray(value)) return value.map((item) => renderJson(item, context));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderJson(item, context)]));
  return value;
}

/** `{ "key" : value, … }` with `\/`, as the older firmware writes it. */
function spacedJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[ ${value.map(spacedJson).join(', ')} ]`;
  if (value !== null && typeof value === 'object') return `{ ${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)} : ${spacedJson(item)}`).join(', ')} }`;
  return JSON.stringify(value).replace(/\//g, '\\/');
}

export function buildDhipNotify(config: DhipResponderConfig, context: ResponderContext): Buffer {
  const message: JsonValue = { mac: context.mac, method: 'client.notifyDevInfo', params: { deviceInfo: renderJson(config.deviceInfo, context) } };
  const json = config.style === 'spaced' ? spacedJson(message) : JSON.stringify(message).replace(/\//g, '\\/');
  const body = Buffer.concat([Buffer.from(json, 'utf8'), Buffer.from([0x0a, 0x00])]);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(HEADER_BYTES, 0);
  header.write('DHIP', 4, 'ascii');
  header.writeUInt32LE(body.length, 16);
  header.writeUInt32LE(body.length, 24);
  return Buffer.concat([header, body]);
}

/** A DHDiscover.search request (with the DHIP header, as camaudit and the Dahua tools send it). */
export function isDhipSearch(data: Buffer): boolean {
  if (data.length < HEADER_BYTES || data.toString('latin1', 4, 8) !== 'DHIP') return false;
  return /"method"\s*:\s*"DHDiscover\.search"/.test(data.toString('utf8', HEADER_BYTES));
}

export const start: StartResponder = async (value, context) => {
  const parsed = parseDhipConfig(value);
  if (!parsed.ok) throw new Error(`dhip section of ${context.profile.name}: ${parsed.reason}`);
  const config = parsed.value;
  buildDhipNotify(config, context);
  return listenUdpGroup({ protocol: 'dhip', port: DHIP_PORT, group: DHIP_GROUP }, context, (data) => (isDhipSearch(data) ? buildDhipNotify(config, context) : undefined));
};
