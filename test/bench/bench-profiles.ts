// Device profiles for the benchmarks: many devices of mixed kinds made from the default profiles, each with its own
// name, address, MAC (same OUI, so the vendor stays true) and serial. The copies keep every protocol section and
// the `expect` block of their template, so a benchmark can also check that the scan still finds what it should.

import { loadAllProfiles } from '../lab/profile-loader.js';
import type { DeviceProfile } from '../lab/profile.js';

export interface BenchProfileOptions {
  /** How many devices to make. */
  count: number;
  /** First host number on the lan segment (10.231.1.<first>…); the default profiles use .1 to .40. */
  firstHost?: number;
}

const LAN_PREFIX = '10.231.1.';
const DEFAULT_FIRST_HOST = 100;

/** Templates: every default device that is not the router, in a stable order. */
export function benchTemplates(): DeviceProfile[] {
  return loadAllProfiles()
    .filter((profile) => profile.default === true && profile.role !== 'router')
    .sort((a, b) => a.name.localeCompare(b.name));
}

function macForms(mac: string): string[] {
  const lower = mac.toLowerCase();
  const dash = lower.replaceAll(':', '-');
  const hex = lower.replaceAll(':', '');
  return [lower, dash, hex, lower.toUpperCase(), dash.toUpperCase(), hex.toUpperCase()];
}

function replaceAllForms(text: string, from: readonly string[], to: readonly string[]): string {
  let result = text;
  from.forEach((form, index) => {
    result = result.split(form).join(to[index]!);
  });
  return result;
}

/** Replaces the last `digits.length` characters of a serial, keeping its vendor format (length, prefix). */
function reSerial(serial: string, index: number): string {
  const digits = String(index).padStart(3, '0');
  return serial.length > digits.length ? serial.slice(0, -digits.length) + digits : serial;
}

/**
 * `count` profiles on the lan segment, cycling through the default device profiles. Copy `i` of template `t` gets
 * the name `b<i>-<template>`, address 10.231.1.<firstHost + i>, the template's OUI with `be:<i>:<t>` after it, and
 * serials ending in `i`. Text fields that quoted the template's address or MAC are rewritten too.
 */
export function benchProfiles(options: BenchProfileOptions): DeviceProfile[] {
  const templates = benchTemplates();
  const firstHost = options.firstHost ?? DEFAULT_FIRST_HOST;
  if (firstHost + options.count > 255) throw new Error(`${options.count} devices from .${firstHost} do not fit in ${LAN_PREFIX}0/24`);
  const profiles: DeviceProfile[] = [];
  for (let index = 0; index < options.count; index += 1) {
    const templateIndex = index % templates.length;
    const template = templates[templateIndex]!;
    const ip = `${LAN_PREFIX}${firstHost + index}`;
    const oui = template.mac.slice(0, 8);
    const mac = `${oui}:be:${index.toString(16).padStart(2, '0')}:${templateIndex.toString(16).padStart(2, '0')}`;
    const identity = template.identity as Record<string, unknown>;
    const serial = typeof identity.serial === 'string' ? identity.serial : undefined;
    const serialShort = typeof identity.serialShort === 'string' ? identity.serialShort : undefined;
    const from = [template.ip, ...macForms(template.mac), ...(serial ? [serial] : []), ...(serialShort ? [serialShort] : [])];
    const to = [ip, ...macForms(mac), ...(serial ? [reSerial(serial, index)] : []), ...(serialShort ? [reSerial(serialShort, index)] : [])];
    const copy = JSON.parse(replaceAllForms(JSON.stringify(template), from, to)) as DeviceProfile;
    copy.name = `b${index}-${template.name}`.slice(0, 24);
    copy.description = `benchmark copy ${index} of ${template.name}: ${template.description}`;
    copy.default = false;
    copy.segment = 'lan';
    copy.ip = ip;
    copy.mac = mac;
    profiles.push(copy);
  }
  return profiles;
}
