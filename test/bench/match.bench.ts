// Matcher throughput and memory. Two figures:
//  1. in process: N observations from the labelled corpus streamed one at a time through identify([observation]),
//     several runs, median and p90 (the slower tail: 90% of runs were at least this fast) in observations/s;
//  2. the real CLI: 1,000,000 observations generated on the fly into `node dist/src/cli/main.js identify -`,
//     stdout drained, the child's peak RSS read from /proc/<pid>/status (VmHWM).
// Run: node --import tsx test/bench/match.bench.ts [--observations N] [--runs R] [--cli-observations M] [--no-cli] [--no-build]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism, cpus, loadavg, platform, arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { identify, loadKnowledgeBase, parseObservationLine } from '../../src/match/index.js';
import type { Observation } from '../../src/model.js';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpusDirectory = join(repositoryRoot, 'test', 'fixtures', 'corpus');
const cliEntry = join(repositoryRoot, 'dist', 'src', 'cli', 'main.js');
const RSS_SAMPLE_INTERVAL_MS = 100;

export interface MatchBenchOptions {
  /** Observations per in-process run. */
  observations?: number;
  runs?: number;
  /** Observations streamed through the CLI; 0 skips the CLI figure. */
  cliObservations?: number;
  /** Run `npm run build` before measuring the CLI. */
  build?: boolean;
  /** Where the report lines go (stdout by default). */
  print?: (line: string) => void;
}

export interface CliFigure {
  observations: number;
  outputLines: number;
  elapsedMs: number;
  perSecond: number;
  peakRssMb: number | null;
  exitCode: number | null;
}

export interface MatchBenchResult {
  observations: number;
  runs: number;
  medianPerSecond: number;
  p90PerSecond: number;
  peakRssMb: number;
  loadAverage: number[];
  machine: string;
  cli: CliFigure | null;
}

/** The corpus observations as `camaudit identify` input lines (one JSON object each). */
export function corpusInputLines(): string[] {
  const lines: string[] = [];
  for (const file of readdirSync(corpusDirectory).filter((name) => name.endsWith('.jsonl')).sort()) {
    for (const text of readFileSync(join(corpusDirectory, file), 'utf8').split('\n')) {
      if (text.trim() === '') continue;
      const parsed = JSON.parse(text) as { observation?: unknown; observations?: unknown[] };
      for (const item of parsed.observations ?? [parsed.observation]) lines.push(JSON.stringify(item));
    }
  }
  return lines;
}

function corpusObservations(lines: readonly string[]): Observation[] {
  return lines.map((line) => {
    const result = parseObservationLine(line, { site: 'bench', agent: 'bench' });
    if (!result.ok) throw new Error(`corpus line does not parse: ${result.reason}`);
    return result.observation;
  });
}

function percentile(sorted: readonly number[], fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index]!;
}

export function machineLine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown cpu';
  return `node ${process.versions.node} ${platform()} ${arch()} ${model} ${availableParallelism()} threads`;
}

function peakRssMbOfSelf(): number {
  // maxRSS is in kilobytes.
  return process.resourceUsage().maxRSS / 1024;
}

function readVmHwmMb(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    // The child has exited between samples: the last sample stands (VmHWM only grows).
    return undefined;
  }
}

function measureInProcess(observations: readonly Observation[], count: number, runs: number): number[] {
  const knowledgeBase = loadKnowledgeBase();
  const rates: number[] = [];
  let sink = 0;
  // One warm-up run lets the JIT settle, as a long scan would.
  for (let run = -1; run < runs; run += 1) {
    const started = process.hrtime.bigint();
    for (let index = 0; index < count; index += 1) {
      sink += identify([observations[index % observations.length]!], knowledgeBase).confidence;
    }
    const elapsedNs = Number(process.hrtime.bigint() - started);
    if (run >= 0) rates.push(count / (elapsedNs / 1e9));
  }
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the results alive');
  return rates;
}

function ensureBuilt(build: boolean, print: (line: string) => void): void {
  if (build) {
    const result = spawnSync('npm', ['run', 'build'], { cwd: repositoryRoot, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (result.status !== 0) print(`(npm run build failed: ${result.stderr.trim().split('\n').slice(-3).join(' / ')}; measuring the existing dist)`);
  }
  if (!existsSync(cliEntry)) throw new Error(`${cliEntry} is missing: run npm run build`);
}

async function measureCli(lines: readonly string[], count: number): Promise<CliFigure> {
  const started = performance.now();
  const child = spawn(process.execPath, [cliEntry, 'identify', '-'], { cwd: repositoryRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let peakRssMb: number | null = null;
  const sample = (): void => {
    const value = child.pid === undefined ? undefined : readVmHwmMb(child.pid);
    if (value !== undefined) peakRssMb = Math.max(peakRssMb ?? 0, value);
  };
  const sampler = setInterval(sample, RSS_SAMPLE_INTERVAL_MS);
  let outputLines = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) outputLines += 1;
  });
  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderrTail = (stderrTail + text).slice(-2000);
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  // Generated on the fly with backpressure, so the parent's memory stays flat whatever the count.
  const batch: string[] = [];
  for (let index = 0; index < count; index += 1) {
    batch.push(lines[index % lines.length]!);
    if (batch.length === 256 || index === count - 1) {
      const ok = child.stdin.write(`${batch.join('\n')}\n`);
      batch.length = 0;
      if (!ok) await once(child.stdin, 'drain');
    }
  }
  child.stdin.end();
  // Last reading while the child finishes its output (it cannot exit before stdout is drained).
  await once(child.stdout, 'end');
  sample();
  const [exitCode] = await exited;
  clearInterval(sampler);
  const elapsedMs = performance.now() - started;
  if (exitCode !== 0) throw new Error(`camaudit identify exited with ${exitCode}: ${stderrTail}`);
  return { observations: count, outputLines, elapsedMs, perSecond: count / (elapsedMs / 1000), peakRssMb, exitCode };
}

const formatRate = (value: number): string => `${Math.round(value).toLocaleString('en-US')}`;

export async function run(options: MatchBenchOptions = {}): Promise<MatchBenchResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const count = options.observations ?? 200_000;
  const runs = options.runs ?? 7;
  const cliCount = options.cliObservations ?? 1_000_000;
  const lines = corpusInputLines();
  const observations = corpusObservations(lines);
  const machine = machineLine();

  const rates = measureInProcess(observations, count, runs).sort((a, b) => b - a);
  const median = percentile([...rates].reverse(), 0.5);
  const p90 = percentile(rates, 0.9);
  const peakRssMb = peakRssMbOfSelf();
  const loadAverage = loadavg().map((value) => Math.round(value * 100) / 100);
  print(`match ${count} observations  median ${formatRate(median)} obs/s  p90 ${formatRate(p90)} obs/s  peak RSS ${peakRssMb.toFixed(0)} MB  n=${runs} | ${machine} | load ${loadAverage.join(' ')}`);

  let cli: CliFigure | null = null;
  if (cliCount > 0) {
    ensureBuilt(options.build ?? true, print);
    cli = await measureCli(lines, cliCount);
    const cliLoad = loadavg().map((value) => Math.round(value * 100) / 100);
    print(
      `match CLI identify ${cli.observations} observations  peak RSS ${cli.peakRssMb === null ? '?' : cli.peakRssMb.toFixed(0)} MB  ${formatRate(cli.perSecond)} obs/s (${(cli.elapsedMs / 1000).toFixed(1)} s, ${cli.outputLines} lines out) | ${machine} | load ${cliLoad.join(' ')}`,
    );
    if (cli.outputLines !== cli.observations) throw new Error(`camaudit identify wrote ${cli.outputLines} lines for ${cli.observations} observations`);
  }
  return { observations: count, runs, medianPerSecond: median, p90PerSecond: p90, peakRssMb, loadAverage, machine, cli };
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name} must be a non-negative integer`);
  return parsed;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      observations: { type: 'string' },
      runs: { type: 'string' },
      'cli-observations': { type: 'string' },
      'no-cli': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
    },
  });
  run({
    observations: positiveInteger(values.observations, 'observations', 200_000),
    runs: positiveInteger(values.runs, 'runs', 7),
    cliObservations: values['no-cli'] ? 0 : positiveInteger(values['cli-observations'], 'cli-observations', 1_000_000),
    build: !values['no-build'],
  }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
