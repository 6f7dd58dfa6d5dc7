// Secrets (ONVIF logins, the API token) come from files that only their owner may read, as ssh wants of its keys.
// The permissions are checked on the open file descriptor that is then read, never by a stat of the path followed
// by a second open: a path swapped between the two (a symlink race) would be checked on one file and read from
// another.
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { CamauditError, type ErrorCode } from './errors.js';

export interface PrivateFileOptions {
  /** What the file is, for messages: "credentials file", "token file". */
  what: string;
  code: ErrorCode;
  maxBytes: number;
  /** Accept a file that group or others may read (Docker and Kubernetes secrets are 0444). */
  allowReadable?: boolean;
}

/** The env variable by which a user allows secrets files that others may read (same as --allow-readable-secrets). */
export const ALLOW_READABLE_SECRETS_ENV = 'CAMAUDIT_ALLOW_READABLE_SECRETS';

export function readableSecretsAllowed(flag: boolean | undefined): boolean {
  return flag === true || process.env[ALLOW_READABLE_SECRETS_ENV] === '1';
}

/** The text of a secrets file, read through the descriptor whose owner-only permissions were checked. */
export function readPrivateFile(path: string, options: PrivateFileOptions): string {
  const fail = (message: string): never => {
    throw new CamauditError(options.code, `${options.what} ${path}: ${message}`);
  };
  let descriptor: number;
  try {
    descriptor = openSync(path, 'r');
  } catch (error) {
    return fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const status = fstatSync(descriptor);
    if (!status.isFile()) fail('is not a regular file');
    if (status.size > options.maxBytes) fail(`larger than ${options.maxBytes} bytes`);
    if ((status.mode & 0o077) !== 0 && !options.allowReadable) {
      const mode = (status.mode & 0o777).toString(8).padStart(3, '0');
      fail(`is readable by other users (mode ${mode}): chmod 600 it, or pass --allow-readable-secrets (${ALLOW_READABLE_SECRETS_ENV}=1) if that is intended`);
    }
    return readFileSync(descriptor, 'utf8');
  } finally {
    closeSync(descriptor);
  }
}
