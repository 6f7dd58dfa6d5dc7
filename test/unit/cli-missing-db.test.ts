// A typo in --db must not read as a clean audit: the read-only commands refuse a file that does not exist, and
// leave nothing behind. (serve is left out since fleet mode: it also takes agents' pushes, so it writes.)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = resolve('dist/src/cli/main.js');
const directory = mkdtempSync(join(tmpdir(), 'camaudit-missing-db-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('read-only commands on a missing inventory', () => {
  const missing = join(directory, 'typo.sqlite');
  const commands: string[][] = [
    ['devices'],
    ['devices', '--json'],
    ['device', 'some-id'],
    ['device', 'some-id', '--owner', 'x'],
    ['scans'],
    ['diff'],
    ['export', '--format', 'csv'],
  ];
  for (const args of commands) {
    it(`camaudit ${args.join(' ')} says "no inventory at FILE" and exits 1`, () => {
      if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
      const result = spawnSync(process.execPath, [CLI, ...args, '--db', missing], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, CAMAUDIT_DB: '' } });
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toContain(`no inventory at ${missing}`);
      expect(result.stdout).toBe('');
      expect(readdirSync(directory)).toEqual([]);
    });
  }

  it('the environment variable is held to the same rule', () => {
    const result = spawnSync(process.execPath, [CLI, 'devices'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, CAMAUDIT_DB: missing } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`no inventory at ${missing}`);
    expect(readdirSync(directory)).toEqual([]);
  });
});
