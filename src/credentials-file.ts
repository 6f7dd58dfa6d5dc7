// ONVIF credentials the user configured, read from a JSON file (`--credentials FILE` or
// CAMAUDIT_CREDENTIALS_FILE), never from a flag: a password on the command line is visible to every user in `ps`
// and lands in shell history. The file names the range each login is for; the ONVIF client sends it to no
// address outside that range (src/discovery/onvif/client.ts).
//
//   [{ "cidr": "10.20.0.0/22", "username": "auditor", "password": "…" }]
import type { Logger } from 'pino';
import type { Credentials } from './config.js';
import { CamauditError } from './errors.js';
import { cidrContains, parseCidr } from './net/cidr.js';
import { FILE_LIMITS } from './config.js';
import { readPrivateFile, readableSecretsAllowed } from './private-file.js';

const KEYS = new Set(['cidr', 'username', 'password', 'comment']);

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

/** Reads and checks a credentials file; one that group or others may read is refused unless `allowReadable`. */
export function loadCredentialsFile(path: string, allowReadable = false): Credentials[] {
  const text = readPrivateFile(path, { what: 'credentials file', code: 'CAMAUDIT_ERR_CREDENTIALS', maxBytes: FILE_LIMITS.maxCredentialsFileBytes, allowReadable });
  return parseCredentials(text, path);
}

/**
 * The credentials for a scan: from `--credentials FILE`, else CAMAUDIT_CREDENTIALS_FILE, else none. Logs how many
 * logins for which ranges (never a password).
 */
export function resolveCredentials(flag: string | undefined, log: Logger, allowReadable?: boolean): Credentials[] {
  const path = flag ?? (process.env.CAMAUDIT_CREDENTIALS_FILE || undefined);
  if (path === undefined) return [];
  const credentials = loadCredentialsFile(path, readableSecretsAllowed(allowReadable));
  log.child({ module: 'credentials' }).info({ file: path, logins: credentials.length, cidrs: credentials.map((entry) => entry.cidr) }, 'ONVIF credentials loaded');
  return credentials;
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
