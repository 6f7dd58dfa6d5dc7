// `camaudit serve` stopping (SIGTERM) while an API scan runs: the scan is aborted and awaited before the inventory
// closes, so it is recorded as interrupted rather than left "running" with its writes failing on a closed file.
// The scan covers 127.0.0.1/32 only, unicast only: nothing leaves loopback.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = resolve('dist/src/cli/main.js');
const directory = mkdtempSync(join(tmpdir(), 'camaudit-serve-stop-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('serve shutdown', () => {
  it('aborts and awaits an API scan before closing the inventory', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
    const database = join(directory, 'inventory.sqlite');
    const server = spawn(process.execPath, [CLI, 'serve', '--db', database, '--port', '0', '--allow-cidr', '127.0.0.1/32', '--no-multicast'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    server.stderr.setEncoding('utf8');
    const url = await new Promise<string>((resolveUrl, reject) => {
      server.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        const found = /serving .* on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (found) resolveUrl(found[1]!);
      });
      server.on('exit', () => reject(new Error(`serve exited early: ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolveExit) => server.on('exit', (code) => resolveExit(code)));
    const started = await fetch(`${url}/scans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"cidrs":["127.0.0.1/32"]}' });
    expect(started.status).toBe(202);
    const { scanId } = (await started.json()) as { scanId: string };
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/database connection is not open|API scan failed/);
    const scans = spawnSync(process.execPath, [CLI, 'scans', '--json', '--db', database], { encoding: 'utf8' });
    const record = (JSON.parse(scans.stdout) as { id: string; status: string }[]).find((scan) => scan.id === scanId);
    expect(record?.status).toBe('interrupted');
  }, 30_000);
});
