// The contract between the device runner (main.ts) and one protocol responder (responders/<protocol>.ts).
// Each responder module exports `start: StartResponder`; the runner calls it with the profile's section for that
// protocol (unknown: the responder validates it) and resolves "ready" once every responder's start() resolved.
//
// Responders are bundled into one file at lab start, so they must not locate data files relative to
// import.meta.url; use repoPath() for files in the repository.

import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { isAbsolute, join, resolve } from 'node:path';
import type { DeviceProfile } from '../profile.js';

export interface ResponderContext {
  profile: DeviceProfile;
  ip: string;
  mac: string;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

export interface RunningResponder {
  stop(): Promise<void>;
}

export type StartResponder = (config: unknown, context: ResponderContext) => Promise<RunningResponder>;

/** Absolute path of a file in the repository (the runner is started with CAMAUDIT_REPO_ROOT set, else the cwd). */
export function repoPath(...parts: string[]): string {
  const root = process.env.CAMAUDIT_REPO_ROOT;
  return join(root && isAbsolute(root) ? root : resolve('.'), ...parts);
}

/** Directory for files a responder writes (keys, certificates): the lab's temp dir, removed by stop() and clean. */
export function labTempDir(): string {
  return process.env.CAMAUDIT_LAB_TMP ?? join(tmpdir(), 'camaudit-lab-device');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * `Thu, May 14 2020 16:45:35 GMT`: the non-RFC date Hikvision RTSP servers send (real capture,
 * test/fixtures/rtsp/hikvision-ipc-options-200.bin).
 * The second space after `Date:` is part of the header value in the profile, not of this format.
 */
export function hikvisionDate(now: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${DAYS[now.getUTCDay()]}, ${MONTHS[now.getUTCMonth()]} ${pad(now.getUTCDate())} ${now.getUTCFullYear()} ${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())} GMT`;
}

/**
 * Fills `{{name}}` placeholders in profile text. Known names: ip, mac (aa:bb:…), macDash (aa-bb-…), macHex (AABB…,
 * as in Axis realms), name, nonce (32 fresh hex digits), httpDate (RFC 9110), hikDate, identity.<field>, plus any
 * `extra` the caller passes (e.g. cseq, contentLength). An unknown name throws, so responders render every string
 * once at start and a typo stops the device before "ready" instead of surfacing mid-scan.
 */
export function renderTemplate(text: string, context: ResponderContext, extra: Record<string, string> = {}): string {
  return text.replace(/\{\{([A-Za-z0-9_.]+)\}\}/g, (_placeholder, name: string) => {
    const value = templateValue(name, context, extra);
    if (value === undefined) throw new Error(`unknown template variable {{${name}}} in profile ${context.profile.name}`);
    return value;
  });
}

function templateValue(name: string, context: ResponderContext, extra: Record<string, string>): string | undefined {
  if (name in extra) return extra[name];
  if (name.startsWith('identity.')) {
    const field = context.profile.identity[name.slice('identity.'.length)];
    return field === undefined ? undefined : String(field);
  }
  switch (name) {
    case 'ip':
      return context.ip;
    case 'mac':
      return context.mac;
    case 'macDash':
      return context.mac.replace(/:/g, '-');
    case 'macHex':
      return context.mac.replace(/:/g, '').toUpperCase();
    case 'name':
      return context.profile.name;
    case 'nonce':
      return randomBytes(16).toString('hex');
    case 'httpDate':
      return new Date().toUTCString();
    case 'hikDate':
      return hikvisionDate(new Date());
    default:
      return undefined;
  }
}
