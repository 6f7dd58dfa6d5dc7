// Limits outside discovery live in src/config.ts; the SQLite busy timeout can be raised by CAMAUDIT_DB_BUSY_TIMEOUT_MS.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// A fresh process, because the limits are read once when src/config.ts loads.
function busyTimeoutWith(env: Record<string, string>): number {
  const script = `import { INVENTORY_LIMITS } from './src/config.ts'; process.stdout.write(String(INVENTORY_LIMITS.busyTimeoutMs));`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
  expect(result.stderr).toBe('');
  return Number(result.stdout);
}

describe('INVENTORY_LIMITS.busyTimeoutMs', () => {
  it('defaults to 5 s and follows CAMAUDIT_DB_BUSY_TIMEOUT_MS', () => {
    expect(busyTimeoutWith({})).toBe(5000);
    expect(busyTimeoutWith({ CAMAUDIT_DB_BUSY_TIMEOUT_MS: '12000' })).toBe(12000);
  });
});
