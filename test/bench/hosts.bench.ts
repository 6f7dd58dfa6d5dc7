// Scenario: host discovery (issue 13). The code before host discovery (the baseline: the parent of the commit that
// added src/discovery/engine/liveness.ts, or --baseline REF) is checked out into a temporary git worktree and built,
// and the same scans run with both builds in the same run, on the same lab, interleaved:
//   two-24   two sparse /24, one attached with 8 devices and one routed with 1; default rate and 3 s window
//   attached-22  a sparse attached /22 (the scanner's lan interface gets a /22 address) with 20 devices
//   routed-16    a routed /16 that silently drops probes to absent addresses (bench-range.ts, dropAbsent), with 256
//                cameras and 256 other live hosts; channels banner,sadp,dhip,wsdiscovery, no multicast
// Each line prints its figures beside the target. A benchmark, not a test: nothing here fails on speed.
// Run alone: node --import tsx test/bench/hosts.bench.ts [--baseline REF] [--runs N] [--rate-16 PPS] [--skip-16]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_SCAN_CONFIG } from '../../src/config.js';
import type { Device } from '../../src/model.js';
import { cidrContains } from '../../src/net/cidr.js';
import { addBenchRange, BENCH_CAMERA_CIDR, BENCH_RANGE_CIDR } from './bench-range.js';
import { benchProfiles } from './bench-profiles.js';
import { ipBatch } from '../lab/exec.js';
import { startLab, type Lab } from '../lab/lab.js';
import { loadProfile } from '../lab/profile-loader.js';
import { fixed, lastLogLine, loadLine, measureChild, summarise, systemLine, thousands } from './measure.js';

const REPO = resolve('.');
const CURRENT_CLI = resolve('dist/src/cli/main.js');
const WINDOW_S = DEFAULT_SCAN_CONFIG.listenWindowMs / 1000;

export interface HostsOptions {
  baseline?: string;
  runs?: number;
  /** Rate of the /16 scans (default: the default rate, as the target says). */
  rate16?: number;
  skip16?: boolean;
  print?: (line: string) => void;
}

interface Build {
  name: 'before' | 'after';
  cli: string;
}

interface ScanFigures {
  wallMs: number;
  peakRssMb: number;
  probes: number;
  found: Set<string>;
  counts: Record<string, unknown>;
}

function git(args: string[], cwd = REPO): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The baseline build: a detached worktree of `ref`, sharing this checkout's node_modules, compiled with tsc. */
function prepareBaseline(ref: string | undefined): { cli: string; ref: string; cleanup: () => void } {
  const resolved = ref ?? `${git(['log', '--diff-filter=A', '--format=%H', '-1', '--', 'src/discovery/engine/liveness.ts'])}^`;
  const commit = git(['rev-parse', '--verify', resolved]);
  const directory = mkdtempSync(join(tmpdir(), 'camaudit-baseline-'));
  git(['worktree', 'add', '--detach', directory, commit]);
  const cleanup = (): void => {
    try {
      git(['worktree', 'remove', '--force', directory]);
    } catch {
      rmSync(directory, { recursive: true, force: true });
    }
  };
  try {
    symlinkSync(join(REPO, 'node_modules'), join(directory, 'node_modules'));
    execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: directory, stdio: 'inherit' });
  } catch (error) {
    cleanup();
    throw error;
  }
  return { cli: join(directory, 'dist', 'src', 'cli', 'main.js'), ref: commit.slice(0, 12), cleanup };
}

async function scan(lab: Lab, build: Build, args: string[], work: string): Promise<ScanFigures> {
  const database = join(work, `${build.name}-${Date.now()}.sqlite`);
  const figures = await measureChild(['ip', 'netns', 'exec', lab.scannerNamespace, process.execPath, build.cli, 'scan', ...args, '--db', database, '--json'], {
    env: { ...process.env, CAMAUDIT_LOG_LEVEL: 'info' },
    timeoutMs: 1_800_000,
  });
  if (figures.code !== 0) throw new Error(`${build.name} scan exited ${figures.code}: ${figures.stderr.slice(-2000)}`);
  const devices = JSON.parse(figures.stdout) as Device[];
  return {
    wallMs: figures.wallMs,
    peakRssMb: figures.peakRssMb,
    probes: Number(lastLogLine(figures.stderr, 'scan finished')?.probes ?? Number.NaN),
    found: new Set(devices.flatMap((device) => [device.ip, ...device.addresses])),
    counts: (lastLogLine(figures.stderr, 'scan recorded')?.counts ?? {}) as Record<string, unknown>,
  };
}

/** Probes sent to addresses that showed no life, per such address (from the scan record of host discovery). */
function perAbsent(counts: Record<string, unknown>): number {
  const hosts = counts.hostDiscovery as { addresses?: number; alive?: number; probesToAbsent?: number } | false | undefined;
  if (!hosts || hosts.addresses === undefined || hosts.alive === undefined || hosts.probesToAbsent === undefined) return Number.NaN;
  return hosts.probesToAbsent / Math.max(1, hosts.addresses - hosts.alive);
}

/** Runs both builds `runs` times, interleaved; returns their figures. */
async function compare(lab: Lab, builds: readonly Build[], args: string[], runs: number, work: string): Promise<Record<Build['name'], ScanFigures[]>> {
  const figures: Record<Build['name'], ScanFigures[]> = { before: [], after: [] };
  for (let index = 0; index < runs; index += 1) for (const build of builds) figures[build.name].push(await scan(lab, build, args, work));
  return figures;
}

const median = (values: readonly number[]): number => summarise(values).median;

function describeRuns(runs: readonly ScanFigures[], expected: readonly string[]): string {
  const found = runs.map((run) => expected.filter((ip) => run.found.has(ip)).length);
  return `median ${fixed(median(runs.map((run) => run.wallMs)) / 1000, 2)} s, ${thousands(median(runs.map((run) => run.probes)))} probes, found ${Math.min(...found)}-${Math.max(...found)} of ${expected.length}`;
}

export async function run(options: HostsOptions = {}): Promise<Record<string, unknown>> {
  const print = options.print ?? ((line: string) => console.log(line));
  const runs = options.runs ?? 3;
  const baseline = prepareBaseline(options.baseline);
  const builds: Build[] = [
    { name: 'before', cli: baseline.cli },
    { name: 'after', cli: CURRENT_CLI },
  ];
  const work = mkdtempSync(join(tmpdir(), 'camaudit-bench-hosts-'));
  const result: Record<string, unknown> = { scenario: 'hosts', baseline: baseline.ref };
  print(`hosts: baseline ${baseline.ref} (before host discovery) against this checkout, same lab, interleaved, n=${runs} (the /16: n=1)`);
  try {
    // Two sparse /24: 8 devices attached (the router and 7 others), 1 routed.
    let lab = await startLab({ profiles: ['router', 'routed-hik'], extraProfiles: benchProfiles({ count: 7 }) });
    try {
      const expected = lab.devices.map((device) => device.ip);
      const two24 = await compare(lab, builds, ['--cidr', '10.231.1.0/24', '--cidr', '10.231.20.0/24'], runs, work);
      const afterS = median(two24.after.map((entry) => entry.wallMs)) / 1000;
      result.two24 = { before: two24.before.map((entry) => entry.wallMs), after: two24.after.map((entry) => entry.wallMs) };
      print(
        `hosts two sparse /24 (8 attached + 1 routed devices)  before: ${describeRuns(two24.before, expected)} | after: ${describeRuns(two24.after, expected)}` +
          ` | after = window + ${fixed(afterS - WINDOW_S, 2)} s (target <= window + 1.5 s, every device found)` +
          ` | probes per absent address ${fixed(median(two24.after.map((entry) => perAbsent(entry.counts))), 2)} (target <= 1.5) | load ${loadLine()}`,
      );
    } finally {
      await lab.stop();
    }

    // A sparse attached /22 with 20 devices; then the routed /16 with silent drops on the same lab.
    lab = await startLab({ profiles: ['router'], extraProfiles: benchProfiles({ count: 19 }) });
    try {
      const lan = lab.segments.find((segment) => segment.name === 'lan');
      if (lan?.scannerInterface === undefined) throw new Error('the lab has no scanner interface on lan');
      await ipBatch(lab.scannerNamespace, [`addr add 10.231.1.250/22 dev ${lan.scannerInterface}`]);
      const expected = lab.devices.map((device) => device.ip);
      const attached22 = await compare(lab, builds, ['--cidr', '10.231.0.0/22'], runs, work);
      const afterS = median(attached22.after.map((entry) => entry.wallMs)) / 1000;
      result.attached22 = { before: attached22.before.map((entry) => entry.wallMs), after: attached22.after.map((entry) => entry.wallMs) };
      print(
        `hosts sparse attached /22 (20 devices)  before: ${describeRuns(attached22.before, expected)} | after: ${describeRuns(attached22.after, expected)}` +
          ` | after = window + ${fixed(afterS - WINDOW_S, 2)} s (target <= window + 2 s)` +
          ` | probes per absent address ${fixed(median(attached22.after.map((entry) => perAbsent(entry.counts))), 2)} (target <= 1.5) | load ${loadLine()}`,
      );

      if (options.skip16 !== true) {
        const range = await addBenchRange(lab, loadProfile('hik-ipc'), { dropAbsent: true });
        try {
          const rate = options.rate16 ?? DEFAULT_SCAN_CONFIG.globalRatePerSecond;
          const args = ['--cidr', BENCH_RANGE_CIDR, '--no-multicast', '--channels', 'banner,sadp,dhip,wsdiscovery', '--rate', String(rate)];
          const routed16 = await compare(lab, builds, args, 1, work);
          const cameras = (figures: ScanFigures): number => [...figures.found].filter((ip) => cidrContains(BENCH_CAMERA_CIDR, ip)).length;
          const before = routed16.before[0]!;
          const after = routed16.after[0]!;
          result.routed16 = { before: { wallMs: before.wallMs, probes: before.probes, peakRssMb: before.peakRssMb }, after: { wallMs: after.wallMs, probes: after.probes, peakRssMb: after.peakRssMb, counts: after.counts } };
          print(
            `hosts routed /16, silent drops, 256 cameras + 256 live hosts, --rate ${thousands(rate)}  before: ${fixed(before.wallMs / 1000, 1)} s, ${thousands(before.probes)} probes, ` +
              `${cameras(before)} cameras, peak RSS ${fixed(before.peakRssMb, 0)} MB | after: ${fixed(after.wallMs / 1000, 1)} s, ${thousands(after.probes)} probes, ${cameras(after)} cameras, ` +
              `peak RSS ${fixed(after.peakRssMb, 0)} MB (target <= 150) | ${fixed(before.wallMs / after.wallMs, 1)}x faster (target >= 5x, same cameras found)` +
              ` | probes per absent address ${fixed(perAbsent(after.counts), 2)} (target <= 1.5) | load ${loadLine()}`,
          );
        } finally {
          await range.stop();
        }
      }
    } finally {
      await lab.stop();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    baseline.cleanup();
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { baseline: { type: 'string' }, runs: { type: 'string' }, 'rate-16': { type: 'string' }, 'skip-16': { type: 'boolean' } } });
  console.log(`System: ${systemLine()}`);
  run({
    ...(values.baseline !== undefined ? { baseline: values.baseline } : {}),
    runs: values.runs ? Number(values.runs) : 3,
    ...(values['rate-16'] !== undefined ? { rate16: Number(values['rate-16']) } : {}),
    skip16: values['skip-16'] === true,
  }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
