import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCredentialsFile, parseCredentials } from '../../src/credentials-file.js';
import { CamauditError } from '../../src/errors.js';

const directory = mkdtempSync(join(tmpdir(), 'camaudit-credentials-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function errorOf(run: () => unknown): CamauditError {
  try {
    run();
  } catch (error) {
    if (error instanceof CamauditError) return error;
    throw error;
  }
  throw new Error('expected a CamauditError');
}

describe('credentials file', () => {
  it('reads logins per range', () => {
    expect(parseCredentials('[{"cidr":"10.20.0.0/22","username":"auditor","password":"s3cret","comment":"site A"}]', 'f')).toEqual([
      { cidr: '10.20.0.0/22', username: 'auditor', password: 's3cret' },
    ]);
    expect(parseCredentials('[]', 'f')).toEqual([]);
  });

  it('refuses bad files with the entry named and the password never quoted', () => {
    const cases: [string, RegExp][] = [
      ['{"password":"hunter2"', /not valid JSON/],
      ['{"cidr":"10.0.0.0/8"}', /expected an array/],
      ['["x"]', /entry 0 is not an object/],
      ['[{"cidr":"10.0.0.0/33","username":"u","password":"hunter2"}]', /entry 0: cidr "10.0.0.0\/33" is not an IPv4 range/],
      ['[{"cidr":"10.0.0.0/8","username":"","password":"hunter2"}]', /entry 0: username must be a non-empty string/],
      ['[{"cidr":"10.0.0.0/8","username":"u","password":1}]', /entry 0: password must be a string/],
      ['[{"cidr":"10.0.0.0/8","username":"u","password":"hunter2","pasword":"x"}]', /unknown key\(s\) "pasword"/],
    ];
    for (const [text, pattern] of cases) {
      const error = errorOf(() => parseCredentials(text, '/etc/camaudit/logins.json'));
      expect(error.code).toBe('CAMAUDIT_ERR_CREDENTIALS');
      expect(error.message).toMatch(pattern);
      expect(error.message).toContain('/etc/camaudit/logins.json');
      expect(error.message).not.toContain('hunter2');
    }
  });

  it('refuses a file group or others may read unless allowed, and a missing or oversized one', () => {
    const path = join(directory, 'logins.json');
    writeFileSync(path, '[{"cidr":"192.168.1.0/24","username":"u","password":"p"}]');
    chmodSync(path, 0o600);
    expect(loadCredentialsFile(path)).toEqual([{ cidr: '192.168.1.0/24', username: 'u', password: 'p' }]);
    for (const mode of [0o644, 0o640, 0o604, 0o444]) {
      chmodSync(path, mode);
      const error = errorOf(() => loadCredentialsFile(path));
      expect(error.code).toBe('CAMAUDIT_ERR_CREDENTIALS');
      expect(error.message).toMatch(/readable by other users \(mode \d{3}\): chmod 600 it, or pass --allow-readable-secrets/);
      expect(loadCredentialsFile(path, true)).toHaveLength(1);
    }
    expect(errorOf(() => loadCredentialsFile(directory)).message).toMatch(/not a regular file/);
    expect(errorOf(() => loadCredentialsFile(join(directory, 'missing.json'))).message).toMatch(/cannot be read \(ENOENT\)/);
    const large = join(directory, 'large.json');
    writeFileSync(large, `[${' '.repeat(70 * 1024)}]`);
    expect(errorOf(() => loadCredentialsFile(large)).message).toMatch(/larger than 65536 bytes/);
  });
});
