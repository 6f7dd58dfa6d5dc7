// Scenario: a routed /16 (65,536 addresses) swept by the unicast channels (banner, SADP, DHIP, WS-Discovery; no
// multicast), by the real CLI in the lab's scanner namespace. The range is answered by two namespaces behind the
// lab's router (test/bench/bench-range.ts): every address is a live host that refuses (kernel RST / ICMP), and
// 10.232.200.0/24 answers as 256 cameras. Figures: wall time, probes per second against the configured rate, CPU
// time / wall time of the scan process (cores busy), and its peak RSS (VmHWM).
//
// The rate is set above the default 1000 pps (a /16 at 10 probes per address would take ~11 minutes at 1000 pps):
// what is measured is whether the program keeps to the configured rate with CPU to spare, and stays small.
// Run alone: node --import tsx test/bench/sweep16.bench.ts [--runs N] [--rate PPS]

import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_SCAN_CONFIG } from '../../src/config.js';
import type { Device } from '../../src/model.js';
import { addBenchRange, BENCH_CAMERA_CIDR, BENCH_RANGE_CIDR } from './bench-range.js';
import { startLab, type Lab } from '../lab/lab.js';
import { loadProfile } from '../lab/profile-loader.js';
import { cidrContains } from '../../src/net/cidr.js';
import { fixed, lastLogLine, loadLine, measureChild, summarise, systemLine, thousands, type Summary } from './measure.js';

const CLI = resolve('dist/src/cli/main.js');
export const SWEEP16_CHANNELS = 'banner,sadp,dhip,wsdiscovery';
/**
 * 6,000 pps: about 0.6 of one core on the 2-core EPYC the README figures come from, so the figure shows the rate
 * held with CPU to spare; a run takes ~110 s (655k probes). Raise it with --rate-16 to find a machine's ceiling.
 */
export const SWEEP16_DEFAULT_RATE = 6_000;
/** The camera the /24 inside the range answers as. */
const CAMERA_TEMPLATE = 'hik-ipc';

export interface Sweep16Options {
  runs?: number;
  /** Configured global rate (--rate), packets per second. */
  rate?: number;
  /** A running lab to add the range to (run.ts shares one); started here (router only) when absent. */
  lab?: Lab;
  print?: (line: string) => void;
}

export interface Sweep16Result {
  scenario: 'sweep-16';
  addresses: number;
  channels: string;
  configuredRate: number;
  perHostRate: number;
  wallMs: Summary;
  probes: Summary;
  /** Probes / scan duration (the CLI's own, from start of the scan to its record). */
  probesPerSecond: Summary;
  /** probesPerSecond / configuredRate. */
  rateShare: Summary;
  /** CPU time / wall time of the scan process: 1.0 = one core busy the whole time. */
  cpuCores: Summary;
  /** CPU time per probe, microseconds: the rate one core could sustain is 1e6 / this. */
  cpuMicrosecondsPerProbe: Summary;
  peakRssMb: Summary;
  /** Addresses of the camera /24 that came out as devices, per run. */
  camerasFound: number[];
  load: string;
}

export async function run(options: Sweep16Options = {}): Promise<Sweep16Result> {
  const print = options.print ?? ((line: string) => console.log(line));
  const runs = options.runs ?? 3;
  const rate = options.rate ?? SWEEP16_DEFAULT_RATE;
  const perHostRate = DEFAULT_SCAN_CONFIG.perHostRatePerSecond;
  const lab = options.lab ?? (await startLab({ profiles: ['router'] }));
  const range = await addBenchRange(lab, loadProfile(CAMERA_TEMPLATE));
  const work = mkdtempSync(join(tmpdir(), 'camaudit-bench16-'));
  const wall: number[] = [];
  const probes: number[] = [];
  const probesPerSecond: number[] = [];
  const cpuCores: number[] = [];
  const cpuPerProbe: number[] = [];
  const peakRss: number[] = [];
  const camerasFound: number[] = [];
  try {
    for (let index = 0; index < runs; index += 1) {
      const database = join(work, `run${index + 1}.sqlite`);
      const argv = [
        'ip', 'netns', 'exec', lab.scannerNamespace, process.execPath, CLI, 'scan',
        // Every address here is a live host, so host discovery would only add a probe each: the full set is measured.
        '--cidr', BENCH_RANGE_CIDR, '--no-multicast', '--no-host-discovery', '--channels', SWEEP16_CHANNELS,
        '--rate', String(rate), '--host-rate', String(perHostRate), '--db', database, '--json',
      ];
      const figures = await measureChild(argv, { env: { ...process.env, CAMAUDIT_LOG_LEVEL: 'info' } });
      if (figures.code !== 0) throw new Error(`sweep exited ${figures.code}: ${figures.stderr.slice(-2000)}`);
      const finished = lastLogLine(figures.stderr, 'scan finished');
      const count = Number(finished?.probes ?? Number.NaN);
      const durationMs = Number(finished?.durationMs ?? figures.wallMs);
      const devices = JSON.parse(figures.stdout) as Device[];
      camerasFound.push(new Set(devices.flatMap((device) => [device.ip, ...device.addresses]).filter((ip) => cidrContains(BENCH_CAMERA_CIDR, ip))).size);
      wall.push(figures.wallMs);
      probes.push(count);
      probesPerSecond.push(count / (durationMs / 1000));
      cpuCores.push(figures.cpuMs / figures.wallMs);
      cpuPerProbe.push((figures.cpuMs * 1000) / count);
      peakRss.push(figures.peakRssMb);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    await range.stop();
    if (!options.lab) await lab.stop();
  }
  const rates = summarise(probesPerSecond, true);
  const result: Sweep16Result = {
    scenario: 'sweep-16',
    addresses: 65_536,
    channels: SWEEP16_CHANNELS,
    configuredRate: rate,
    perHostRate,
    wallMs: summarise(wall),
    probes: summarise(probes),
    probesPerSecond: rates,
    rateShare: summarise(probesPerSecond.map((value) => value / rate), true),
    cpuCores: summarise(cpuCores),
    cpuMicrosecondsPerProbe: summarise(cpuPerProbe),
    peakRssMb: summarise(peakRss),
    camerasFound,
    load: loadLine(),
  };
  print(
    `sweep /16 (${SWEEP16_CHANNELS}) at --rate ${thousands(rate)}  median ${fixed(result.wallMs.median / 1000, 1)} s  p90 ${fixed(result.wallMs.p90 / 1000, 1)} s  n=${runs}` +
      ` | ${thousands(rates.median)} probes/s (p90 ${thousands(rates.p90)}, slow tail; ${fixed(result.rateShare.median * 100, 0)}% of the configured rate), ${thousands(result.probes.median)} probes` +
      ` | CPU ${fixed(result.cpuCores.median, 2)} cores busy (p90 ${fixed(result.cpuCores.p90, 2)}) of ${availableParallelism()}, ${fixed(result.cpuMicrosecondsPerProbe.median, 0)} µs CPU per probe | peak RSS median ${fixed(result.peakRssMb.median, 0)} MB p90 ${fixed(result.peakRssMb.p90, 0)} MB (target < 200)` +
      ` | cameras found ${Math.min(...camerasFound)}-${Math.max(...camerasFound)} of 256 | load ${result.load}`,
  );
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, rate: { type: 'string' } } });
  console.log(`System: ${systemLine()}`);
  run({ runs: values.runs ? Number(values.runs) : 3, rate: values.rate ? Number(values.rate) : SWEEP16_DEFAULT_RATE }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
