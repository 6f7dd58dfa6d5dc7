// The API under load: a temp SQLite inventory of 5,000 devices built through the real Inventory API and
// the real matcher, served by the real CLI (`camaudit serve`, its own process, 127.0.0.1 only), driven by concurrent
// keep-alive clients. One line per scenario: throughput and latency percentiles. A benchmark, not a test: nothing
// here passes or fails on speed. Request counts and time are bounded per scenario.
// Run: node --import tsx test/bench/api.bench.ts [--devices N] [--no-build]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { arch, availableParallelism, cpus, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { openInventory } from '../../src/inventory/index.js';
import { identify, loadKnowledgeBase } from '../../src/match/index.js';
import type { Observation } from '../../src/model.js';
import { createObservation, type ObservationInput } from '../../src/observation.js';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cliEntry = join(repositoryRoot, 'dist', 'src', 'cli', 'main.js');
const HOST = '127.0.0.1';
const SERVER_START_TIMEOUT_MS = 20_000;

export interface ApiScenario {
  label: string;
  path: string;
  clients: number;
  requests: number;
  /** A scenario stops at this bound even if not every request was made. */
  maxMs: number;
}

export const DEFAULT_SCENARIOS: readonly ApiScenario[] = [
  { label: 'GET /devices', path: '/devices?limit=100', clients: 16, requests: 4000, maxMs: 20_000 },
  { label: 'GET /devices?covered&offset', path: '/devices?covered=true&limit=100&offset=1000', clients: 16, requests: 2000, maxMs: 20_000 },
  { label: 'GET /devices?q=text', path: '/devices?q=DS-2CD&limit=50', clients: 16, requests: 1000, maxMs: 20_000 },
  { label: 'GET /export.csv', path: '/export.csv', clients: 4, requests: 40, maxMs: 30_000 },
  { label: 'GET /export.json', path: '/export.json', clients: 4, requests: 40, maxMs: 30_000 },
  { label: 'GET /export.jsonl', path: '/export.jsonl', clients: 4, requests: 40, maxMs: 30_000 },
  { label: 'GET /export.xlsx', path: '/export.xlsx', clients: 2, requests: 10, maxMs: 30_000 },
];

export interface ApiBenchOptions {
  devices?: number;
  scenarios?: readonly ApiScenario[];
  /** Run `npm run build` first (the server is the built CLI). */
  build?: boolean;
  print?: (line: string) => void;
}

export interface ApiFigure {
  label: string;
  clients: number;
  requests: number;
  errors: number;
  perSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  bytesPerResponse: number;
}

export function machineLine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown cpu';
  return `node ${process.versions.node} ${platform()} ${arch()} ${model} ${availableParallelism()} threads`;
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

/** One device's worth of observations: Hikvision by SADP, Dahua by DHIP, the rest by an HTTP banner. */
export function deviceObservations(index: number, at: Date, site = 'bench'): Observation[] {
  const ip = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
  const macTail = [(index >> 16) & 255, (index >> 8) & 255, index & 255].map((part) => part.toString(16).padStart(2, '0')).join(':');
  const inputs: ObservationInput[] = [];
  if (index % 3 === 0) {
    const mac = `44:47:cc:${macTail}`;
    inputs.push({ source: 'sadp', ip, mac, port: 37020, transport: 'multicast', sadp: { Types: 'inquiry', DeviceType: '142378', DeviceDescription: 'DS-2CD2320D-I', DeviceSN: `DS-2CD2320D-I20180919AACH${String(index).padStart(9, '0')}`, MAC: mac.replace(/:/g, '-'), CommandPort: '8000', HttpPort: '80', SoftwareVersion: 'V5.5.6build 180126' } });
  } else if (index % 3 === 1) {
    const mac = `08:ed:ed:${macTail}`;
    inputs.push({ source: 'dhip', ip, mac, port: 37810, transport: 'multicast', dhip: { mac, DeviceClass: 'IPC', DeviceType: 'IPC-HDW1431T1-S4', SerialNo: `6C01E93PAG${String(index).padStart(6, '0')}`, Vendor: 'Private', Version: '2.800.0000000.13.R' } });
  } else {
    inputs.push({ source: 'http', ip, port: 80, transport: 'tcp', http: { url: `http://${ip}:80/`, status: 200, headers: { server: 'lighttpd/1.4.35' }, title: `Device ${index}` } });
  }
  inputs.push({ source: 'neighbour', ip, mac: `02:00:00:${macTail}`, transport: 'table', neighbour: { state: 'REACHABLE' } });
  return inputs.map((input) => createObservation(input, { site, agent: site, now: () => at }));
}

/** A populated inventory file, written through the real Inventory API with the real matcher. */
export async function buildInventory(path: string, devices: number): Promise<void> {
  const knowledgeBase = loadKnowledgeBase();
  const inventory = await openInventory(path, { identify: (observations) => identify(observations, knowledgeBase), log: pino({ level: 'silent' }) });
  try {
    const scanId = await inventory.beginScan({ site: 'bench', agent: 'bench', scope: { cidrs: ['10.0.0.0/16'] }, channels: ['sadp', 'dhip', 'banner', 'neighbour'] });
    const at = new Date();
    for (let index = 1; index <= devices; index += 1) for (const observation of deviceObservations(index, at)) await inventory.recordObservation(scanId, observation);
    await inventory.finishScan(scanId, { status: 'finished' });
  } finally {
    await inventory.close();
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function get(agent: Agent, port: number, path: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: HOST, port, path, agent, method: 'GET' }, (incoming) => {
      let bytes = 0;
      incoming.on('data', (chunk: Buffer) => (bytes += chunk.length));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, bytes }));
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** `camaudit serve` on a free loopback port, once it answers /health; `extra` are more serve options. */
export async function startServe(database: string, extra: readonly string[] = []): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [cliEntry, 'serve', '--db', database, '--host', HOST, '--port', String(port), ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
  const agent = new Agent({ keepAlive: false });
  const deadline = performance.now() + SERVER_START_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`camaudit serve exited ${child.exitCode}: ${stderr}`);
    try {
      if ((await get(agent, port, '/health')).status === 200) return { child, port };
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`camaudit serve did not answer /health within ${SERVER_START_TIMEOUT_MS} ms: ${stderr}`);
}

async function drive(port: number, scenario: ApiScenario): Promise<ApiFigure> {
  const agent = new Agent({ keepAlive: true, maxSockets: scenario.clients });
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  let bytes = 0;
  // One warm-up request, so the first client does not pay for the route's JIT alone.
  await get(agent, port, scenario.path);
  const started = performance.now();
  const stopAt = started + scenario.maxMs;
  const client = async (): Promise<void> => {
    while (issued < scenario.requests && performance.now() < stopAt) {
      issued += 1;
      const sent = performance.now();
      try {
        const response = await get(agent, port, scenario.path);
        if (response.status !== 200) errors += 1;
        bytes += response.bytes;
      } catch {
        errors += 1;
      }
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: scenario.clients }, client));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    label: scenario.label,
    clients: scenario.clients,
    requests: latencies.length,
    errors,
    perSecond: latencies.length / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 0.5),
    p90Ms: percentile(latencies, 0.9),
    p99Ms: percentile(latencies, 0.99),
    bytesPerResponse: latencies.length === 0 ? 0 : bytes / latencies.length,
  };
}

const fixed = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

/** `api GET /devices  412 req/s  p50 36.1 ms  p90 52.0 ms  p99 80.3 ms  c=16 n=4000 | node 20.20.2 linux x64 <cpu> 2 threads` */
export function formatFigure(figure: ApiFigure, machine: string): string {
  return (
    `api ${figure.label}  ${fixed(figure.perSecond)} req/s  p50 ${fixed(figure.p50Ms)} ms  p90 ${fixed(figure.p90Ms)} ms  p99 ${fixed(figure.p99Ms)} ms  ` +
    `c=${figure.clients} n=${figure.requests}${figure.errors > 0 ? ` errors=${figure.errors}` : ''} | ${machine}`
  );
}

function sizeOf(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(0)} KB`;
}

export async function run(options: ApiBenchOptions = {}): Promise<ApiFigure[]> {
  const print = options.print ?? ((line: string) => console.log(line));
  const devices = options.devices ?? 5000;
  if (options.build ?? true) {
    const built = spawnSync('npm', ['run', 'build'], { cwd: repositoryRoot, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (built.status !== 0) print(`(npm run build failed: ${built.stderr.trim().split('\n').slice(-3).join(' / ')}; measuring the existing dist)`);
  }
  if (!existsSync(cliEntry)) throw new Error(`${cliEntry} is missing: run npm run build`);
  const machine = machineLine();
  return withServedInventory(devices, async (port, buildSeconds) => {
    const figures: ApiFigure[] = [];
    for (const scenario of options.scenarios ?? DEFAULT_SCENARIOS) {
      const figure = await drive(port, scenario);
      figures.push(figure);
      print(formatFigure(figure, machine));
    }
    const sizes = figures.map((figure) => `${figure.label.replace(/^GET /, '')} ${sizeOf(figure.bytesPerResponse)}`).join(', ');
    print(`api inventory of ${devices} devices built through the Inventory API in ${buildSeconds.toFixed(1)} s; camaudit serve on ${HOST}; response sizes: ${sizes} | ${machine}`);
    return figures;
  });
}

/** Builds an inventory of `devices` in a temporary directory, serves it, runs `use`, then stops and cleans up. */
export async function withServedInventory<T>(devices: number, use: (port: number, buildSeconds: number) => Promise<T>): Promise<T> {
  const directory = mkdtempSync(join(tmpdir(), 'camaudit-bench-inventory-'));
  let server: ChildProcess | undefined;
  try {
    const database = join(directory, 'inventory.sqlite');
    const buildStarted = performance.now();
    await buildInventory(database, devices);
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    const started = await startServe(database);
    server = started.child;
    return await use(started.port, buildSeconds);
  } finally {
    server?.kill('SIGTERM');
    if (server && server.exitCode === null) await Promise.race([once(server, 'exit'), sleep(3000)]);
    rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { devices: { type: 'string' }, 'no-build': { type: 'boolean', default: false } } });
  const devices = values.devices === undefined ? 5000 : Number(values.devices);
  if (!Number.isInteger(devices) || devices < 1) throw new Error('--devices must be a positive integer');
  run({ devices, build: !values['no-build'] }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
