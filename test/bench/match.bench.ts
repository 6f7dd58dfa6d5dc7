// Matcher throughput and memory, each figure printed beside its target (issue 15: 100,000 observations/s end to end
// on one core, peak RSS at most 150 MB at 1,000,000 lines):
//  1. in process: N observations from the labelled corpus streamed one at a time through identify([observation]),
//     several runs, median and p90 (the slower tail: 90% of runs were at least this fast) in observations/s;
//  2. the real CLI, the user's path (three runs, each printed, and their median): 1,000,000 observations (the corpus, each line with an address of its own, so no
//     line repeats and nothing can be answered from a cache) generated on the fly into
//     `node dist/src/cli/main.js identify -`, stdout drained, the child's peak RSS read from /proc/<pid>/status (VmHWM),
//     and its CPU time (user + system, from /proc/<pid>/stat) beside the wall time, since other work shares the machine;
//  3. the same 1,000,000 lines through `camaudit import - --format jsonl` into a fresh SQLite inventory (the corpus
//     repeated: 235 distinct sightings, as a lease log or repeated scans repeat them);
//  4. `camaudit import` of distinct devices (every line a new address and MAC; the corpus's serials and endpoints
//     repeat, so those claims are refused and recorded as conflicts, as cloned devices' would be): what a first
//     import of a large site costs, bounded by the inventory's per-device writes. Two sizes (20,000 and 100,000 by
//     default), each with its peak RSS beside the 150 MB target: the merge works in parts (src/inventory/merge-parts.ts),
//     so memory follows the part size; what still grows with the import is printed, not hidden.
//  5. after each distinct import, its floor (store-floor.ts): the same devices' rows copied into a fresh inventory
//     by SQLite alone, multi-row inserts in one transaction, no camaudit logic; no way of writing the merge can store
//     those devices faster, so the distance between the two lines is what code could still gain.
// Run: node --import tsx test/bench/match.bench.ts [--observations N] [--runs R] [--cli-observations M] [--cli-runs K] [--distinct N,M] [--no-cli] [--no-build] [--no-import]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism, cpus, loadavg, platform, arch, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { identify, loadKnowledgeBase, parseObservationLine } from '../../src/match/index.js';
import type { Observation } from '../../src/model.js';
import { measureStoreFloor } from './store-floor.js';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpusDirectory = join(repositoryRoot, 'test', 'fixtures', 'corpus');
const cliEntry = join(repositoryRoot, 'dist', 'src', 'cli', 'main.js');
const RSS_SAMPLE_INTERVAL_MS = 100;
const TARGET_PER_SECOND = 100_000;
const TARGET_PEAK_RSS_MB = 150;
const CLOCK_TICKS_PER_SECOND = 100;

export interface MatchBenchOptions {
  /** Observations per in-process run. */
  observations?: number;
  runs?: number;
  /** Observations streamed through the CLI; 0 skips the CLI figure. */
  cliObservations?: number;
  /** Run `npm run build` before measuring the CLI. */
  build?: boolean;
  /** Runs of `camaudit identify` through the CLI; the median is the figure (default 3). */
  cliRuns?: number;
  /** Measure `camaudit import` too (default true). */
  imports?: boolean;
  /** Distinct devices imported through the CLI, one import per size; [] skips that figure. */
  distinctImports?: number[];
  /** Where the report lines go (stdout by default). */
  print?: (line: string) => void;
}

export interface CliFigure {
  observations: number;
  outputLines: number;
  elapsedMs: number;
  perSecond: number;
  peakRssMb: number | null;
  /** CPU seconds (user + system) the child used. */
  cpuSeconds: number | null;
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

/** user + system CPU seconds of a live process, from /proc/<pid>/stat (fields 14 and 15, in clock ticks). */
function readCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
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

async function measureCli(lines: readonly string[], count: number, args: readonly string[] = ['identify', '-'], lineOf?: (index: number) => string): Promise<CliFigure> {
  const started = performance.now();
  const child = spawn(process.execPath, [cliEntry, ...args], { cwd: repositoryRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let peakRssMb: number | null = null;
  let cpuSeconds: number | null = null;
  const sample = (): void => {
    const value = child.pid === undefined ? undefined : readVmHwmMb(child.pid);
    if (value !== undefined) peakRssMb = Math.max(peakRssMb ?? 0, value);
    const cpu = child.pid === undefined ? undefined : readCpuSeconds(child.pid);
    if (cpu !== undefined) cpuSeconds = cpu;
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
    batch.push(lineOf ? lineOf(index) : lines[index % lines.length]!);
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
  if (exitCode !== 0) throw new Error(`camaudit ${args[0]} exited with ${exitCode}: ${stderrTail}`);
  return { observations: count, outputLines, elapsedMs, perSecond: count / (elapsedMs / 1000), peakRssMb, cpuSeconds, exitCode };
}

/** The run of median CPU time (wall time when CPU time could not be read), each figure from one real run. */
function medianFigure(figures: readonly CliFigure[]): CliFigure {
  const cost = (figure: CliFigure): number => figure.cpuSeconds ?? figure.elapsedMs / 1000;
  const sorted = [...figures].sort((a, b) => cost(a) - cost(b));
  return sorted[(sorted.length - 1) >> 1]!;
}

/** Each corpus line cut around its address, so that line `index` can be written with an address of its own cheaply. */
function addressTemplates(lines: readonly string[]): [string, string][] {
  return lines.map((line) => {
    const start = line.indexOf('"ip":"') + '"ip":"'.length;
    const end = line.indexOf('"', start);
    if (start < '"ip":"'.length || end < 0) throw new Error(`corpus line without an address: ${line.slice(0, 80)}`);
    return [line.slice(0, start), line.slice(end)];
  });
}

/** Corpus line `index % length` with the address 10.x.y.z of `index`: the same content mix, every line its own. */
function ownAddressLine(templates: readonly [string, string][], index: number): string {
  const [before, after] = templates[index % templates.length]!;
  return `${before}10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}${after}`;
}

/** The corpus line `index` as a distinct device: its own address and MAC, no id (the importer hashes one). */
function distinctLine(lines: readonly string[], index: number): string {
  const observation = JSON.parse(lines[index % lines.length]!) as Record<string, unknown>;
  delete observation.id;
  observation.ip = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
  const low = [(index >> 16) & 255, (index >> 8) & 255, index & 255].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
  observation.mac = typeof observation.mac === 'string' ? `${observation.mac.slice(0, 9)}${low}` : `44:47:cc:${low}`;
  return JSON.stringify(observation);
}

const DEFAULT_DISTINCT_IMPORTS = [20_000, 100_000];

const formatRate = (value: number): string => `${Math.round(value).toLocaleString('en-US')}`;

export async function run(options: MatchBenchOptions = {}): Promise<MatchBenchResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const count = options.observations ?? 200_000;
  const runs = options.runs ?? 7;
  const cliCount = options.cliObservations ?? 1_000_000;
  const cliRuns = Math.max(1, options.cliRuns ?? 3);
  const lines = corpusInputLines();
  const observations = corpusObservations(lines);
  const machine = machineLine();

  const rates = measureInProcess(observations, count, runs).sort((a, b) => b - a);
  const median = percentile([...rates].reverse(), 0.5);
  const p90 = percentile(rates, 0.9);
  const peakRssMb = peakRssMbOfSelf();
  const loadAverage = loadavg().map((value) => Math.round(value * 100) / 100);
  print(`match ${count} observations (matcher alone, in process)  median ${formatRate(median)} obs/s  p90 ${formatRate(p90)} obs/s  peak RSS ${peakRssMb.toFixed(0)} MB  n=${runs} | target >= ${formatRate(TARGET_PER_SECOND)} obs/s | ${machine} | load ${loadAverage.join(' ')}`);

  let cli: CliFigure | null = null;
  if (cliCount > 0) {
    ensureBuilt(options.build ?? true, print);
    const figureLine = (label: string, figure: CliFigure, target: string): string => {
      const cpuRate = figure.cpuSeconds ? ` (${formatRate(figure.observations / figure.cpuSeconds)}/s of CPU time, ${figure.cpuSeconds.toFixed(1)} s CPU)` : '';
      return `${label}  ${formatRate(figure.perSecond)} obs/s wall${cpuRate}, ${(figure.elapsedMs / 1000).toFixed(1)} s, peak RSS ${figure.peakRssMb === null ? '?' : figure.peakRssMb.toFixed(0)} MB | target ${target} | load ${loadavg().map((value) => Math.round(value * 100) / 100).join(' ')}`;
    };
    const targets = `>= ${formatRate(TARGET_PER_SECOND)} obs/s, <= ${TARGET_PEAK_RSS_MB} MB`;
    const templates = addressTemplates(lines);
    // Several runs, each printed, then the median: this VM's speed drifts by half within a day, and one run can
    // land in a slow minute.
    const identifyRuns: CliFigure[] = [];
    for (let run = 1; run <= cliRuns; run += 1) {
      const figure = await measureCli(lines, cliCount, ['identify', '-'], (index) => ownAddressLine(templates, index));
      if (figure.outputLines !== figure.observations) throw new Error(`camaudit identify wrote ${figure.outputLines} lines for ${figure.observations} observations`);
      identifyRuns.push(figure);
      if (cliRuns > 1) print(figureLine(`match CLI identify run ${run}/${cliRuns}`, figure, targets));
    }
    cli = medianFigure(identifyRuns);
    print(figureLine(`match CLI identify ${cli.observations} lines, each its own address (${cli.outputLines} lines out)${cliRuns > 1 ? `, median of ${cliRuns} runs` : ''}`, cli, targets));
    const directory = mkdtempSync(join(tmpdir(), 'camaudit-bench-import-'));
    try {
      if (options.imports === false) return { observations: count, runs, medianPerSecond: median, p90PerSecond: p90, peakRssMb, loadAverage, machine, cli };
      const imported = await measureCli(lines, cliCount, ['import', '-', '--format', 'jsonl', '--json', '--db', join(directory, 'repeated.sqlite')]);
      print(figureLine(`match CLI import ${imported.observations} lines (${lines.length} distinct sightings repeated) into SQLite`, imported, targets));
      for (const distinctCount of options.distinctImports ?? DEFAULT_DISTINCT_IMPORTS) {
        if (distinctCount <= 0) continue;
        const database = join(directory, `distinct-${distinctCount}.sqlite`);
        const distinct = await measureCli(lines, distinctCount, ['import', '-', '--format', 'jsonl', '--json', '--db', database], (index) => distinctLine(lines, index));
        print(figureLine(`match CLI import ${distinct.observations} distinct devices into SQLite`, distinct, targets));
        // The same devices' rows copied by SQLite alone (store-floor.ts): what storing them costs whatever the merge.
        const floor = await measureStoreFloor(database, join(directory, `floor-${distinctCount}.sqlite`));
        print(
          `match store floor ${floor.devices} devices (their rows copied into a fresh inventory by SQLite alone, no camaudit logic)  ${formatRate(floor.devices / floor.cpuSeconds)} devices/s of CPU time (${floor.cpuSeconds.toFixed(1)} s CPU, ${(floor.elapsedMs / 1000).toFixed(1)} s, sort indexes ${floor.indexes}), ${formatRate(floor.devices / floor.bareCpuSeconds)}/s with no index on devices but its key, ${floor.databaseMb.toFixed(0)} MB written | the CLI's figure above cannot exceed it | load ${loadavg().map((value) => Math.round(value * 100) / 100).join(' ')}`,
        );
        rmSync(database, { force: true });
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
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
      'cli-runs': { type: 'string' },
      distinct: { type: 'string' },
      'no-cli': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      'no-import': { type: 'boolean', default: false },
    },
  });
  run({
    observations: positiveInteger(values.observations, 'observations', 200_000),
    runs: positiveInteger(values.runs, 'runs', 7),
    cliObservations: values['no-cli'] ? 0 : positiveInteger(values['cli-observations'], 'cli-observations', 1_000_000),
    cliRuns: positiveInteger(values['cli-runs'], 'cli-runs', 3),
    build: !values['no-build'],
    imports: !values['no-import'],
    ...(values.distinct === undefined ? {} : { distinctImports: values.distinct.split(',').map((size) => positiveInteger(size.trim(), 'distinct', 0)) }),
  }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
