// Secrets files (credentials, API token) are checked and read through one descriptor. node:fs is wrapped here
// only to record which calls were made: the files, their modes and the reads are real.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

const calls: { name: string; target: unknown }[] = [];
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const record = <T extends (...args: never[]) => unknown>(name: string, original: T): T =>
    ((...args: Parameters<T>) => {
      calls.push({ name, target: args[0] });
      return original(...args);
    }) as T;
  const wrapped = {
    ...actual,
    openSync: record('openSync', actual.openSync),
    fstatSync: record('fstatSync', actual.fstatSync),
    statSync: record('statSync', actual.statSync),
    lstatSync: record('lstatSync', actual.lstatSync),
    readFileSync: record('readFileSync', actual.readFileSync),
  };
  return { ...wrapped, default: wrapped };
});

const { readApiToken } = await import('../../src/api/token.js');
const { loadCredentialsFile } = await import('../../src/credentials-file.js');
const { readPrivateFile } = await import('../../src/private-file.js');

const directory = mkdtempSync(join(tmpdir(), 'camaudit-private-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
beforeEach(() => {
  calls.length = 0;
});

describe('readPrivateFile', () => {
  it('checks the mode on the descriptor it then reads, never by a second look-up of the path', () => {
    const path = join(directory, 'logins.json');
    writeFileSync(path, '[{"cidr":"10.0.0.0/24","username":"u","password":"p"}]', { mode: 0o600 });
    chmodSync(path, 0o600);
    calls.length = 0;
    expect(loadCredentialsFile(path)).toHaveLength(1);
    const byPath = calls.filter((call) => call.target === path).map((call) => call.name);
    expect(byPath).toEqual(['openSync']);
    const descriptor = calls.find((call) => call.name === 'openSync') && calls.find((call) => call.name === 'fstatSync')?.target;
    expect(typeof descriptor).toBe('number');
    expect(calls.filter((call) => call.name === 'readFileSync').map((call) => call.target)).toEqual([descriptor]);
  });

  it('refuses a file others may read before reading a byte of it', () => {
    const path = join(directory, 'open.json');
    writeFileSync(path, '[]');
    chmodSync(path, 0o644);
    calls.length = 0;
    expect(() => readPrivateFile(path, { what: 'credentials file', code: 'CAMAUDIT_ERR_CREDENTIALS', maxBytes: 1024 })).toThrow(/readable by other users \(mode 644\)/);
    expect(calls.some((call) => call.name === 'readFileSync')).toBe(false);
  });
});

describe('the API token from a file', () => {
  const token = 'k3Jx9vQm2Lr8TzW4nB6yHc1dFp5sGa7e';

  it('reads --token-file or CAMAUDIT_API_TOKEN_FILE, one line, and prefers flags to variables', () => {
    const path = join(directory, 'token');
    writeFileSync(path, `${token}\n`);
    chmodSync(path, 0o600);
    expect(readApiToken({ file: path, env: {} })).toBe(token);
    expect(readApiToken({ env: { CAMAUDIT_API_TOKEN_FILE: path } })).toBe(token);
    expect(readApiToken({ env: { CAMAUDIT_API_TOKEN_FILE: path, CAMAUDIT_API_TOKEN: 'other' } })).toBe(token);
    expect(readApiToken({ flag: 'from-flag', env: { CAMAUDIT_API_TOKEN_FILE: path } })).toBe('from-flag');
    expect(readApiToken({ env: { CAMAUDIT_API_TOKEN: 'from-env' } })).toBe('from-env');
    expect(readApiToken({ env: {} })).toBeUndefined();
    expect(() => readApiToken({ file: path, flag: 'x', env: {} })).toThrow(/not both/);
  });

  it('refuses a token file others may read, unless allowed, and one that is not a single token', () => {
    const path = join(directory, 'token-open');
    writeFileSync(path, token);
    chmodSync(path, 0o644);
    expect(() => readApiToken({ file: path, env: {} })).toThrow(/readable by other users/);
    expect(readApiToken({ file: path, allowReadable: true, env: {} })).toBe(token);
    const spaced = join(directory, 'token-spaced');
    writeFileSync(spaced, `${token} second\n`);
    chmodSync(spaced, 0o600);
    expect(() => readApiToken({ file: spaced, env: {} })).toThrow(/one line holding the token/);
  });
});
