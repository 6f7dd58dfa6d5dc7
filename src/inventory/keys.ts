import type { Observation } from '../model.js';
import { normaliseMac } from '../observation.js';

// What makes a device itself, strongest first: its MAC, then the vendor serial, then the ONVIF /
// WS-Discovery endpoint UUID, then (only as a last resort) its address at the site.
// These read model fields (src/model.ts), never protocol bytes: the inventory stays protocol-agnostic.

export type KeyKind = 'mac' | 'serial' | 'endpoint';
export const KEY_KINDS: readonly KeyKind[] = ['mac', 'serial', 'endpoint'];

export interface ObservationKeys {
  mac: string[];
  serial: string[];
  endpoint: string[];
}

// Values that devices send but that identify nothing (factory placeholders, unset fields).
const MEANINGLESS_MACS = new Set(['00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff']);
const MIN_SERIAL_LENGTH = 4;

// Virtual router MACs are the same on every network that uses the same group number: VRRP 00:00:5e:00:01:{VRID}
// (IPv4) and 00:00:5e:00:02:{VRID} (IPv6), RFC 5798 section 7.3; Cisco HSRP version 1 00:00:0c:07:ac:{group} and
// version 2 00:00:0c:9f:f{group}, Cisco's "Configuring HSRP" guide. As keys they would join the gateways of every
// site into one device that "moves" at each scan (issue 18), so they identify nothing.
const VIRTUAL_ROUTER_MAC = /^(?:00:00:5e:00:0[12]:|00:00:0c:07:ac:|00:00:0c:9f:f)/;

export function isVirtualRouterMac(mac: string): boolean {
  return VIRTUAL_ROUTER_MAC.test(mac);
}

export function keyOfMac(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const mac = normaliseMac(raw);
  if (!mac || MEANINGLESS_MACS.has(mac)) return undefined;
  // A multicast MAC (low bit of the first octet) is never a device's own.
  if ((parseInt(mac.slice(0, 2), 16) & 1) === 1) return undefined;
  if (isVirtualRouterMac(mac)) return undefined;
  return mac;
}

export function keyOfSerial(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const serial = raw.trim().toUpperCase();
  if (serial.length < MIN_SERIAL_LENGTH || /^0+$/.test(serial)) return undefined;
  return serial;
}

export function keyOfEndpoint(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const endpoint = raw.trim().toLowerCase();
  return endpoint.length > 0 ? endpoint : undefined;
}

function pushDefined(target: string[], value: string | undefined): void {
  if (value !== undefined && !target.includes(value)) target.push(value);
}

/** The device keys one observation carries. */
export function keysOfObservation(observation: Observation): ObservationKeys {
  const keys: ObservationKeys = { mac: [], serial: [], endpoint: [] };
  pushDefined(keys.mac, keyOfMac(observation.mac));
  pushDefined(keys.mac, keyOfMac(observation.sadp?.MAC));
  pushDefined(keys.mac, keyOfMac(observation.dhip?.mac));
  pushDefined(keys.mac, keyOfMac(observation.isapi?.deviceInfo?.macAddress));
  pushDefined(keys.mac, keyOfMac(observation.dahuacgi?.remoteDevice?.Mac));
  pushDefined(keys.serial, keyOfSerial(observation.sadp?.DeviceSN));
  pushDefined(keys.serial, keyOfSerial(observation.dhip?.SerialNo));
  pushDefined(keys.serial, keyOfSerial(observation.onvif?.deviceInformation?.SerialNumber));
  pushDefined(keys.serial, keyOfSerial(observation.ssdp?.description?.serialNumber));
  pushDefined(keys.serial, keyOfSerial(observation.isapi?.deviceInfo?.serialNumber));
  pushDefined(keys.serial, keyOfSerial(observation.isapi?.channel?.serialNumber));
  pushDefined(keys.serial, keyOfSerial(observation.dahuacgi?.magicBox?.sn));
  pushDefined(keys.serial, keyOfSerial(observation.dahuacgi?.remoteDevice?.SerialNo));
  pushDefined(keys.endpoint, keyOfEndpoint(observation.wsdiscovery?.endpoint));
  return keys;
}
