// Dahua HTTP API answers a credentialed scan reads: pure, text in, typed fields out. The CGI answers are CRLF
// `key=value` lines; errors are plain text such as `Error\r\nBad Request!`.
//
// Names are Dahua's, from public sources:
//   magicBox.cgi?action=getDeviceType → `type=`, getSerialNo → `sn=`, getSoftwareVersion → `version=`
//     (Dahua HTTP API for IPC/NVR, magicBox section; rroller/dahua custom_components/dahua/client.py;
//     tchellomello/python-amcrest src/amcrest/system.py).
//   configManager.cgi?action=getConfig&name=RemoteDevice → `table.RemoteDevice.<slot>.<Key>=…` with Address,
//     DeviceType, Enable, Mac, SerialNo, Version, Vendor, ProtocolType, Name, …; slot `…_N` is channel N+1
//     (Dahua HTTP API, RemoteDevice config; sanitised captures from a DH-NVR4216-HDS2 and a DHI-NVR5464-16P-EI).
//   configManager.cgi?action=getConfig&name=T2UServer → `table.T2UServer.Enable=true|false`: the P2P tunnel
//     (Easy4ip/IMOU, Amcrest's p2p service), as public hardening scripts read and set it.
import { VENDOR_API_LIMITS } from '../../config.js';
import { parsed, rejected, type ParseResult } from '../parse-result.js';

const { maxCgiLines: MAX_LINES, maxValueChars: MAX_VALUE_CHARS, maxChannels: MAX_CHANNELS } = VENDOR_API_LIMITS;
/** Never kept: the NVR stores each camera's login in clear text in RemoteDevice. */
const SECRET_KEYS = new Set(['Password', 'UserName']);

/** The `key=value` lines of a CGI answer (first `=` splits; blank lines skipped). */
export function readKeyValueLines(text: string): ParseResult<Map<string, string>> {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return rejected('empty answer');
  if (/^Error\b/i.test(trimmed)) return rejected(`device error: ${trimmed.split(/\r?\n/).slice(0, 2).join(' ').slice(0, 80)}`);
  const entries = new Map<string, string>();
  const lines = trimmed.split(/\r?\n/);
  if (lines.length > MAX_LINES) return rejected(`answer of more than ${MAX_LINES} lines`);
  for (const line of lines) {
    if (line.trim() === '') continue;
    const equals = line.indexOf('=');
    if (equals <= 0) return rejected('a line without key=value');
    const key = line.slice(0, equals).trim();
    if (!entries.has(key)) entries.set(key, line.slice(equals + 1).trim().slice(0, MAX_VALUE_CHARS));
  }
  return entries.size === 0 ? rejected('no key=value line') : parsed(entries);
}

/** One magicBox answer (`type=…`, `sn=…`, `version=…`): the value of `key`. */
export function readMagicBoxValue(text: string, key: string): ParseResult<string> {
  const lines = readKeyValueLines(text);
  if (!lines.ok) return lines;
  const value = lines.value.get(key);
  return value === undefined || value === '' ? rejected(`no ${key}= in the answer`) : parsed(value);
}

/** `getConfig&name=T2UServer`: the `Enable` value, and the other scalar keys of that table. */
export function readT2uServer(text: string): ParseResult<Record<string, string>> {
  const lines = readKeyValueLines(text);
  if (!lines.ok) return lines;
  const fields: Record<string, string> = {};
  for (const [key, value] of lines.value) {
    const match = /^table\.T2UServer\.([A-Za-z]+)$/.exec(key);
    if (match && !SECRET_KEYS.has(match[1]!)) fields[match[1]!] = value;
  }
  return fields.Enable === undefined ? rejected('no table.T2UServer.Enable') : parsed(fields);
}

export interface RemoteDeviceSlot {
  /** 1-based channel: slot `…_N` is channel N+1. */
  channel: number;
  fields: Record<string, string>;
}

const EMPTY_ADDRESSES = new Set(['', '0.0.0.0', '192.168.0.0']);

/**
 * `getConfig&name=RemoteDevice`: the cameras an NVR records, one per slot. Disabled and empty slots (Enable=false, or
 * the placeholder address with no serial) are left out; nested keys (VideoInputs[0].Name) and logins are not kept.
 */
export function readRemoteDevices(text: string): ParseResult<RemoteDeviceSlot[]> {
  const lines = readKeyValueLines(text);
  if (!lines.ok) return lines;
  const slots = new Map<string, Record<string, string>>();
  for (const [key, value] of lines.value) {
    const match = /^table\.RemoteDevice\.(.+)\.([A-Za-z]+)$/.exec(key);
    if (!match) continue;
    const [, slot = '', name = ''] = match;
    if (SECRET_KEYS.has(name) || slot.includes('.')) continue;
    const fields = slots.get(slot) ?? {};
    if (!slots.has(slot)) {
      if (slots.size >= MAX_CHANNELS) continue;
      slots.set(slot, fields);
    }
    fields[name] = value;
  }
  if (slots.size === 0 && ![...lines.value.keys()].some((key) => key.startsWith('table.RemoteDevice'))) return rejected('no table.RemoteDevice keys');
  const devices: RemoteDeviceSlot[] = [];
  for (const [slot, fields] of slots) {
    const index = /_(\d{1,4})$/.exec(slot)?.[1];
    if (index === undefined) continue;
    if (fields.Enable?.toLowerCase() === 'false') continue;
    if (EMPTY_ADDRESSES.has(fields.Address ?? '') && (fields.SerialNo ?? '') === '') continue;
    devices.push({ channel: Number(index) + 1, fields });
  }
  return parsed(devices.sort((a, b) => a.channel - b.channel));
}
