// Self-signed certificates with the subject a profile names, made by the openssl CLI at device start (a key pair
// per device, like the real thing; nothing is checked in).

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TlsCertificateConfig } from '../profile.js';
import { labTempDir } from './responder.js';

const execFileAsync = promisify(execFile);
const OPENSSL_TIMEOUT_MS = 30_000;

/** `CN=a,OU=b,…,C=CN` (RFC 4514, most specific first) → `/C=CN/…/OU=b/CN=a` (openssl -subj, DER order). */
export function subjectToOpensslArgument(subject: string): string {
  return `/${subject.split(',').reverse().join('/')}`;
}

export async function createSelfSignedCertificate(config: TlsCertificateConfig): Promise<{ key: Buffer; cert: Buffer }> {
  await mkdir(labTempDir(), { recursive: true });
  const dir = await mkdtemp(join(labTempDir(), 'cert-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    const keyArgs = config.keyType === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] : ['-newkey', 'rsa:2048'];
    await execFileAsync(
      'openssl',
      ['req', '-x509', ...keyArgs, '-nodes', '-keyout', keyPath, '-out', certPath, '-days', String(config.days ?? 3650), '-subj', subjectToOpensslArgument(config.subject)],
      { timeout: OPENSSL_TIMEOUT_MS },
    );
    return { key: await readFile(keyPath), cert: await readFile(certPath) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
