// What every benchmark scenario shares: the machine line, medians, and a child process measured from outside
// (wall time, CPU time and peak RSS read from /proc while it runs).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';

/** How often a running child's /proc entry is read; its last reading is at most this old when it exits. */
const SAMPLE_INTERVAL_MS = 50;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every Linux architecture Node runs on). */
const CLOCK_TICKS_PER_SECOND = 100;

/** The STYLE.md `System:` description: node, OS, CPU model, cores and memory. */
export function systemLine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown cpu';
  const memoryGb = (totalmem() / 1024 ** 3).toFixed(1);
  return `node ${process.versions.node} ${type()} ${release()} ${arch()} | ${model} | ${availableParallelism()} threads | ${memoryGb} GB`;
}

export function loadLine(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

/** The value at `fraction` of the sorted values (nearest rank): median 0.5, p90 0.9. */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

export interface Summary {
  median: number;
  p90: number;
  runs: number;
  values: number[];
}

/**
 * Median and p90 of several runs. p90 is the slow tail: for times (lower is better) the 90th percentile; for rates
 * (`higherIsBetter`) the 10th, i.e. 90% of runs were at least this fast (as match.bench.ts reports it).
 */
export function summarise(values: readonly number[], higherIsBetter = false): Summary {
  return { median: percentile(values, 0.5), p90: percentile(values, higherIsBetter ? 0.1 : 0.9), runs: values.length, values: [...values] };
}

export interface ChildFigures {
  code: number | null;
  wallMs: number;
  /** User + system CPU time of the child (the last sample before it exited). */
  cpuMs: number;
  /** VmHWM: the child's peak resident set, in MB. */
  peakRssMb: number;
  stdout: string;
  stderr: string;
}

function readProc(pid: number): { cpuTicks: number; peakRssKb: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the last ')': utime is 14th, stime 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuTicks, peakRssKb: match ? Number(match[1]) : 0 };
  } catch {
    // The child exited between two samples: the previous sample stands.
    return undefined;
  }
}

/**
 * Runs argv (e.g. `ip netns exec <ns> node cli.js …`, which execs, so the PID is the measured program's own) and
 * measures it. stdout and stderr are kept in memory: callers ask for JSON output and info-level logs only.
 */
export function measureChild(argv: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ChildFigures> {
  const [command, ...args] = argv;
  if (command === undefined) return Promise.reject(new Error('empty command'));
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let cpuTicks = 0;
    let peakRssKb = 0;
    const sample = (): void => {
      const reading = child.pid === undefined ? undefined : readProc(child.pid);
      if (reading === undefined) return;
      cpuTicks = Math.max(cpuTicks, reading.cpuTicks);
      peakRssKb = Math.max(peakRssKb, reading.peakRssKb);
    };
    const sampler = setInterval(sample, SAMPLE_INTERVAL_MS);
    const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', (error) => {
      clearInterval(sampler);
      clearTimeout(killer);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(sampler);
      clearTimeout(killer);
      resolve({
        code,
        wallMs: performance.now() - started,
        cpuMs: (cpuTicks * 1000) / CLOCK_TICKS_PER_SECOND,
        peakRssMb: peakRssKb / 1024,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/** The last pino line with `msg` in a JSON log (stderr of the CLI at CAMAUDIT_LOG_LEVEL=info). */
export function lastLogLine(log: string, msg: string): Record<string, unknown> | undefined {
  const lines = log.split('\n');
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const line = lines[index]!;
    if (!line.startsWith('{') || !line.includes(`"msg":"${msg}"`)) continue;
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      // A line cut by the progress output or interleaved: keep looking further up.
      continue;
    }
  }
  return undefined;
}

export const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '?');
export const thousands = (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '?');
