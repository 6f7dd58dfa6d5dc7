import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempInventory, type TempInventory } from './inventory-helpers.js';

const WRITER = fileURLToPath(new URL('./inventory-crash-writer.ts', import.meta.url));
// Observations the child must have committed before it is killed.
const KILL_AFTER = 400;

let temp: TempInventory;
afterEach(async () => temp.cleanup());

describe('crash safety (issue 6)', () => {
  it('SIGKILL in the middle of a scan leaves a database that opens, holds what was committed, and marks the scan interrupted', async () => {
    temp = await tempInventory();
    await temp.inventory.close();
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, temp.path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let scanId = '';
    let lastCommitted = 0;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith('scan ')) scanId = line.slice(5);
          if (line.startsWith('committed ')) lastCommitted = Number(line.slice(10));
        }
        if (lastCommitted >= KILL_AFTER && !child.killed) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => (lastCommitted >= KILL_AFTER ? resolve() : reject(new Error(`child exited early: ${stderr}`))));
    });
    expect(await exited).toBe('SIGKILL');

    const raw = new Database(temp.path);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();

    const inventory = await temp.reopen();
    const scan = (await inventory.getScan(scanId))!;
    expect(scan.status).toBe('interrupted');
    expect(scan.counts.observations as number).toBeGreaterThanOrEqual(lastCommitted);
    expect((await inventory.listDevices()).total).toBe(scan.counts.observations);
    expect((await inventory.listDevices({ search: '10.9.0.1' })).total).toBeGreaterThan(0);
  });
});
