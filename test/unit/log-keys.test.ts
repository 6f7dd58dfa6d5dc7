// Logs name their module once: each module takes its own child of the logger it is given, and callers pass their
// parent, so no line carries the same key twice (pino writes both when a child repeats its parent's binding).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveScanConfig } from '../../src/config.js';
import { openInventory } from '../../src/inventory/index.js';
import { runScan } from '../../src/scan.js';
import { identifyDouble } from './inventory-helpers.js';

const directory = mkdtempSync(join(tmpdir(), 'camaudit-log-keys-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function capturingLogger(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

function repeatedKeys(line: string): string[] {
  // Top-level keys of a pino line (values here are flat or objects without these names).
  const keys = [...line.matchAll(/"(module|channel|scanId|app)":/g)].map((match) => match[1]!);
  return keys.filter((key, index) => keys.indexOf(key) !== index);
}

describe('log lines of a scan', () => {
  it('name the scan and the inventory as modules, once per line', async () => {
    const { log, lines } = capturingLogger();
    const inventory = await openInventory(join(directory, 'scan.sqlite'), { identify: identifyDouble, log });
    try {
      // No channel: nothing is sent anywhere; the scan still begins, finishes and logs.
      await runScan({ cidrs: ['127.0.0.1/32'], multicast: false, channels: [] }, { config: resolveScanConfig(), inventory, log });
    } finally {
      await inventory.close();
    }
    const parsed = lines.map((line) => JSON.parse(line) as { module?: string; msg: string });
    expect(parsed.find((line) => line.msg === 'scan finished')?.module).toBe('scan');
    expect(parsed.find((line) => line.msg === 'scan started')?.module).toBe('inventory');
    for (const line of lines) expect(repeatedKeys(line), line).toEqual([]);
  });
});
