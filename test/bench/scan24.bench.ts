// Scenario: a full scan of one /24 office segment with 50 emulated devices of mixed kinds (the lab's router and 49
// copies of the default profiles), every channel on, by the real CLI in the lab's scanner namespace. Figures: wall
// time of the scan process, and the share of it that is the multicast listen window (the part no program can
// shorten); the target is a scan within 1.5 s of its window. Each run writes a fresh inventory file.
// Run alone: node --import tsx test/bench/scan24.bench.ts [--runs N]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_SCAN_CONFIG } from '../../src/config.js';
import type { Device } from '../../src/model.js';
import { benchProfiles } from './bench-profiles.js';
import { startLab, type Lab } from '../lab/lab.js';
import { fixed, lastLogLine, loadLine, measureChild, summarise, systemLine, type Summary } from './measure.js';

export const SCAN24_DEVICES = 50;
const CLI = resolve('dist/src/cli/main.js');
const SEGMENT_CIDR = '10.231.1.0/24';

export interface Scan24Options {
  runs?: number;
  /** A lab started with scan24LabOptions() (run.ts shares one lab between scenarios); started here when absent. */
  lab?: Lab;
  print?: (line: string) => void;
}

export interface Scan24Result {
  scenario: 'scan-24';
  devices: number;
  listenWindowMs: number;
  wallMs: Summary;
  /** Wall time beyond the listen window. */
  overheadMs: Summary;
  /** Listen window / wall time. */
  windowShare: Summary;
  /** Packets and connection attempts per scan (the rate limiter's count). */
  probes: Summary;
  /** Lab devices found in each run (by address), against `devices`. */
  found: number[];
  load: string;
}

/** The lab for this scenario: the router plus 49 generated devices, all on the lan segment. */
export function scan24LabOptions(): { profiles: string[]; extraProfiles: ReturnType<typeof benchProfiles> } {
  return { profiles: ['router'], extraProfiles: benchProfiles({ count: SCAN24_DEVICES - 1 }) };
}

export async function run(options: Scan24Options = {}): Promise<Scan24Result> {
  const print = options.print ?? ((line: string) => console.log(line));
  const runs = options.runs ?? 5;
  const lab = options.lab ?? (await startLab(scan24LabOptions()));
  const work = mkdtempSync(join(tmpdir(), 'camaudit-bench24-'));
  const listenWindowMs = DEFAULT_SCAN_CONFIG.listenWindowMs;
  const labAddresses = lab.devices.filter((device) => device.segment === 'lan').map((device) => device.ip);
  const wall: number[] = [];
  const probes: number[] = [];
  const found: number[] = [];
  try {
    // One scan first, not counted: the page cache and the devices' first TLS handshakes settle.
    for (let index = -1; index < runs; index += 1) {
      const database = join(work, `run${index + 1}.sqlite`);
      const figures = await measureChild(['ip', 'netns', 'exec', lab.scannerNamespace, process.execPath, CLI, 'scan', '--cidr', SEGMENT_CIDR, '--db', database, '--json'], {
        env: { ...process.env, CAMAUDIT_LOG_LEVEL: 'info' },
      });
      if (figures.code !== 0) throw new Error(`scan exited ${figures.code}: ${figures.stderr.slice(-2000)}`);
      if (index < 0) continue;
      const devices = JSON.parse(figures.stdout) as Device[];
      const seen = new Set(devices.flatMap((device) => [device.ip, ...device.addresses]));
      found.push(labAddresses.filter((ip) => seen.has(ip)).length);
      wall.push(figures.wallMs);
      probes.push(Number(lastLogLine(figures.stderr, 'scan finished')?.probes ?? Number.NaN));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (!options.lab) await lab.stop();
  }
  const result: Scan24Result = {
    scenario: 'scan-24',
    devices: labAddresses.length,
    listenWindowMs,
    wallMs: summarise(wall),
    overheadMs: summarise(wall.map((ms) => ms - listenWindowMs)),
    windowShare: summarise(wall.map((ms) => listenWindowMs / ms)),
    probes: summarise(probes),
    found,
    load: loadLine(),
  };
  print(
    `scan /24, ${result.devices} devices, every channel  median ${fixed(result.wallMs.median / 1000, 2)} s  p90 ${fixed(result.wallMs.p90 / 1000, 2)} s  n=${runs}` +
      ` | listen window ${fixed(listenWindowMs / 1000, 1)} s = ${fixed(result.windowShare.median * 100, 0)}% of the scan, overhead median ${fixed(result.overheadMs.median / 1000, 2)} s (target <= 1.5 s)` +
      ` | ${fixed(result.probes.median, 0)} probes | found ${Math.min(...found)}-${Math.max(...found)} of ${result.devices} | load ${result.load}`,
  );
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { runs: { type: 'string' } } });
  console.log(`System: ${systemLine()}`);
  run({ runs: values.runs ? Number(values.runs) : 5 }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
