// ONVIF credentials the user configured, read from a JSON file (`--credentials FILE` or
// CAMAUDIT_CREDENTIALS_FILE), never from a flag: a password on the command line is visible to every user in `ps`
// and lands in shell history. The file names the range each login is for; the ONVIF client sends it to no
// address outside that range (src/discovery/onvif/client.ts).
//
//   [{ "cidr": "10.20.0.0/22", "username": "auditor", "password": "…" }]
import { readFileSync, statSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Credentials } from './config.js';
import { CamauditError } from './errors.js';
import { cidrContains, parseCidr } from './net/cidr.js';
import { FILE_LIMITS } from './config.js';

const KEYS = new Set(['cidr', 'username', 'password', 'comment']);

export interface CredentialsFile {
  credentials: Credentials[];
  /** Set when group or others may read the file: the caller logs it (ssh refuses such keys; Docker secrets are 0444). */
  looseMode?: string;
}

const fail = (path: string, message: string): never => {
  throw new CamauditError('CAMAUDIT_ERR_CREDENTIALS', `credentials file ${path}: ${message}`);
};

/** Parses the text of a credentials file; `path` only names it in errors. */
export function parseCredentials(text: string, path: string): Credentials[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // The parser's message can quote the file's text, which holds passwords: name the problem, not the content.
    return fail(path, 'not valid JSON');
  }
  if (!Array.isArray(document)) return fail(path, 'expected an array of { cidr, username, password }');
  return document.map((entry: unknown, index): Credentials => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return fail(path, `entry ${index} is not an object`);
    const record = entry as Record<string, unknown>;
    const extra = Object.keys(record).filter((key) => !KEYS.has(key));
    if (extra.length > 0) fail(path, `entry ${index} has unknown key(s) ${extra.map((key) => JSON.stringify(key.slice(0, 40))).join(', ')}`);
    const { cidr, username, password } = record;
    if (typeof cidr !== 'string') return fail(path, `entry ${index}: cidr must be a string such as "192.168.1.0/24"`);
    try {
      parseCidr(cidr);
    } catch {
      fail(path, `entry ${index}: cidr ${JSON.stringify(cidr.slice(0, 60))} is not an IPv4 range`);
    }
    if (typeof username !== 'string' || username === '') return fail(path, `entry ${index}: username must be a non-empty string`);
    if (typeof password !== 'string') return fail(path, `entry ${index}: password must be a string`);
    return { cidr, username, password };
  });
}

export function loadCredentialsFile(path: string): CredentialsFile {
  let size: number;
  let mode: number;
  try {
    ({ size, mode } = statSync(path));
  } catch (error) {
    return fail(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (size > FILE_LIMITS.maxCredentialsFileBytes) fail(path, `larger than ${FILE_LIMITS.maxCredentialsFileBytes} bytes`);
  const credentials = parseCredentials(readFileSync(path, 'utf8'), path);
  const loose = (mode & 0o077) !== 0;
  return loose ? { credentials, looseMode: (mode & 0o777).toString(8).padStart(3, '0') } : { credentials };
}

/**
 * The credentials for a scan: from `--credentials FILE`, else CAMAUDIT_CREDENTIALS_FILE, else none. Logs how many
 * logins for which ranges (never a password), and a warning when others may read the file.
 */
export function resolveCredentials(flag: string | undefined, log: Logger): Credentials[] {
  const path = flag ?? (process.env.CAMAUDIT_CREDENTIALS_FILE || undefined);
  if (path === undefined) return [];
  const file = loadCredentialsFile(path);
  const fileLog = log.child({ module: 'credentials' });
  if (file.looseMode !== undefined) fileLog.warn({ file: path, mode: file.looseMode }, 'credentials file is readable by other users; chmod 600 it');
  fileLog.info({ file: path, logins: file.credentials.length, cidrs: file.credentials.map((entry) => entry.cidr) }, 'ONVIF credentials loaded');
  return file.credentials;
}

/** The login configured for a range holding `ip`, if any: the only credentials that may ever be sent to it. */
export function credentialsFor(ip: string, credentials: readonly Credentials[]): Credentials | undefined {
  return credentials.find((entry) => {
    try {
      return cidrContains(entry.cidr, ip);
    } catch {
      // A malformed credentials range matches nothing: credentials never leave the ranges they were given for.
      return false;
    }
  });
}
