// `camaudit token` as an operator runs it on the central server's database (here a SQLite file; the store is the
// same code on PostgreSQL, tested in fleet-api.test.ts): the token printed once, never stored or listed in clear.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const CLI = resolve('dist/src/cli/main.js');

describe('camaudit token', () => {
  let directory: string;
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  const token = (database: string, ...args: string[]) => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
    const result = spawnSync(process.execPath, [CLI, 'token', ...args, '--db', database], { encoding: 'utf8', timeout: 30_000 });
    return { code: result.status, out: result.stdout, err: result.stderr };
  };

  it('creates a site token shown once, lists it without the secret, and revokes it', () => {
    directory = mkdtempSync(join(tmpdir(), 'camaudit-cli-token-'));
    const database = join(directory, 'central.sqlite');
    const created = token(database, 'create', '--site', 'lyon', '--label', 'agent at lyon');
    expect(created.code, created.err).toBe(0);
    const secret = created.out.trim();
    expect(secret).toMatch(/^cam_[A-Za-z0-9_-]{43}$/);
    const id = /token ([0-9a-f]{12}) \(agent for site lyon\)/.exec(created.err)?.[1];
    expect(id, created.err).toBeDefined();

    const listed = token(database, 'list', '--json');
    expect(listed.code, listed.err).toBe(0);
    expect(JSON.parse(listed.out)).toEqual([expect.objectContaining({ id, role: 'agent', site: 'lyon', label: 'agent at lyon', revokedAt: null })]);
    expect(listed.out).not.toContain(secret);
    expect(readFileSync(database).includes(Buffer.from(secret))).toBe(false);

    expect(token(database, 'revoke', id!).code).toBe(0);
    expect(JSON.parse(token(database, 'list', '--json').out)[0].revokedAt).toEqual(expect.any(String));
    expect(token(database, 'revoke', id!).code).toBe(1);
  });

  it('refuses a token with neither or both of --site and --admin', () => {
    directory = mkdtempSync(join(tmpdir(), 'camaudit-cli-token-'));
    const database = join(directory, 'central.sqlite');
    expect(token(database, 'create').code).toBe(2);
    expect(token(database, 'create', '--admin', '--site', 'x').code).toBe(2);
    expect(token(database, 'create', '--admin').code).toBe(0);
    expect(token(database, 'frobnicate').code).toBe(2);
  });
});
