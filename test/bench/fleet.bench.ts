// Fleet mode on PostgreSQL (issue 18), against the real `camaudit serve --db postgres://…` in its own process:
//   ingest   10 concurrent agents push batches of 500 observations (real ids) to POST /ingest: observations/s
//   reads    100,000 devices over 1,000 sites: a site-filtered GET /devices page (p50, p90), GET /sites, and
//            GET /export.csv of all of them, with the server's resident memory before and at its peak
// PostgreSQL: CAMAUDIT_BENCH_PG_URL or CAMAUDIT_TEST_PG_URL, else a throwaway server started here with
// scripts/pg-test-server.sh (Debian's postgresql, as root). The read-side devices are written with plain SQL in
// the inventory's own columns (a merge of 100,000 devices through the matcher would take minutes and measures
// nothing asked here); their identification is the real matcher's verdict on real-shaped observations.
// A benchmark, not a test: nothing here passes or fails on speed.
// Run: node --import tsx test/bench/fleet.bench.ts
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { openInventory } from '../../src/inventory/index.js';
import { STREAM_PAGE_SIZE } from '../../src/inventory/queries.js';
import { identify, loadKnowledgeBase } from '../../src/match/index.js';
import { deviceObservations, startServe } from './api.bench.js';
import { fixed, percentile, thousands } from './measure.js';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HOST = '127.0.0.1';
const ADMIN_TOKEN = `bench-${randomBytes(24).toString('hex')}`;
const AGENTS = 10;
const BATCHES_PER_AGENT = 20;
const OBSERVATIONS_PER_BATCH = 500;
const SITES = 1000;
const DEVICES = 100_000;
const PAGE_REQUESTS = 300;
const SITES_REQUESTS = 30;
const OWN_PG_PORT = 55433;

export interface FleetFigures {
  ingestObservationsPerSecond: number;
  devicesPageP50Ms: number;
  devicesPageP90Ms: number;
  sitesP50Ms: number;
  exportCsvSeconds: number;
  exportCsvMb: number;
  serverRssBeforeMb: number;
  serverRssPeakMb: number;
}

async function postgres(print: (line: string) => void): Promise<{ url: string; stop(): void }> {
  const given = process.env.CAMAUDIT_BENCH_PG_URL ?? process.env.CAMAUDIT_TEST_PG_URL;
  if (given) return { url: given, stop: () => undefined };
  const directory = mkdtempSync(join(tmpdir(), 'camaudit-bench-pg-'));
  const script = join(repositoryRoot, 'scripts', 'pg-test-server.sh');
  const started = spawnSync('bash', [script, 'start', directory, String(OWN_PG_PORT)], { encoding: 'utf8' });
  if (started.status !== 0) throw new Error(`cannot start PostgreSQL: ${started.stderr.trim()}`);
  print(`fleet (PostgreSQL started for the bench on ${HOST}:${OWN_PG_PORT})`);
  return {
    url: started.stdout.trim(),
    stop() {
      spawnSync('bash', [script, 'stop', directory]);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

async function timed(url: string, headers: Record<string, string>): Promise<{ ms: number; bytes: number; status: number }> {
  const started = performance.now();
  const response = await fetch(url, { headers });
  let bytes = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
  return { ms: performance.now() - started, bytes, status: response.status };
}

/** 10 agents, each pushing its batches one after another (as the pusher does), all at once. */
async function ingest(url: string, port: number): Promise<number> {
  const inventory = await openInventory(url, { identify: () => { throw new Error('not used'); }, log: pino({ level: 'silent' }) });
  const tokens: string[] = [];
  try {
    for (let agent = 0; agent < AGENTS; agent += 1) tokens.push((await inventory.createToken({ role: 'agent', site: `ingest-${agent}` })).token);
  } finally {
    await inventory.close();
  }
  const at = new Date();
  const devicesPerBatch = OBSERVATIONS_PER_BATCH / 2;
  // Bodies made before the clock starts: the figure is the server's, not the generator's.
  const bodies = tokens.map((_, agent) =>
    Array.from({ length: BATCHES_PER_AGENT }, (__, batch) => {
      const site = `ingest-${agent}`;
      const observations = Array.from({ length: devicesPerBatch }, (___, index) => deviceObservations(batch * devicesPerBatch + index + 1, at, site)).flat();
      return JSON.stringify({ site, agent: site, agentVersion: 'bench', scan: { id: `bench-${agent}`, startedAt: at.toISOString(), scope: {}, channels: ['sadp', 'dhip', 'banner', 'neighbour'] }, observations });
    }),
  );
  const started = performance.now();
  let stored = 0;
  await Promise.all(
    bodies.map(async (batches, agent) => {
      for (const body of batches) {
        const response = await fetch(`http://${HOST}:${port}/ingest`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[agent]}` } });
        if (!response.ok) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
        stored += ((await response.json()) as { stored: number }).stored;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (stored !== AGENTS * BATCHES_PER_AGENT * OBSERVATIONS_PER_BATCH) throw new Error(`stored ${stored} observations, expected ${AGENTS * BATCHES_PER_AGENT * OBSERVATIONS_PER_BATCH}`);
  return stored / seconds;
}

/** 100,000 devices over 1,000 sites, in the inventory's columns, with real identifications. */
async function populate(url: string): Promise<void> {
  const knowledgeBase = loadKnowledgeBase();
  const at = new Date('2026-11-01T00:00:00Z');
  const verdicts = [3, 4, 5].map((index) => identify(deviceObservations(index, at), knowledgeBase));
  const now = new Date().toISOString();
  await withClient(url, async (client) => {
    const scanRows: string[] = [];
    const scanValues: string[] = [];
    for (let site = 0; site < SITES; site += 1) {
      const name = `site-${String(site).padStart(4, '0')}`;
      scanValues.push(`bench-scan-${name}`, name);
      scanRows.push(`($${scanValues.length - 1}, $${scanValues.length}, 'bench', '{}', '[]', '${now}', '${now}', 'finished', '{}', '[]', 'push:bench')`);
    }
    await client.query(`INSERT INTO scans (id, site, agent, scope, channels, started_at, finished_at, status, counts, errors, runner) VALUES ${scanRows.join(', ')}`, scanValues);
    const chunk = 500;
    for (let start = 0; start < DEVICES; start += chunk) {
      const rows: string[] = [];
      const values: (string | number)[] = [];
      const scans: string[] = [];
      const scanValues2: string[] = [];
      for (let index = start; index < start + chunk; index += 1) {
        const site = `site-${String(index % SITES).padStart(4, '0')}`;
        const verdict = verdicts[index % 3]!;
        const id = `bench-device-${index}`;
        const ip = `10.0.${(index >> 8) & 255}.${index & 255}`;
        const lastSeen = new Date(at.getTime() + index * 1000).toISOString();
        const base = values.length;
        values.push(id, site, site, ip, JSON.stringify([ip]), lastSeen, lastSeen, JSON.stringify({ ...verdict, serial: `SERIAL${index}` }), verdict.vendor ?? '', verdict.covered ? 1 : 0, now);
        rows.push(
          `($${base + 1}, $${base + 2}, $${base + 3}, 'bench', $${base + 4}, NULL, NULL, NULL, $${base + 5}, '[80]', '["sadp","neighbour"]', $${base + 6}, $${base + 7}, $${base + 8}, NULLIF($${base + 9}, ''), NULL, NULL, NULL, 'camera', $${base + 10}, 0.9, 'found', NULL, NULL, NULL, NULL, NULL, NULL, $${base + 11})`,
        );
        scanValues2.push(id, `bench-scan-${site}`, ip, lastSeen);
        scans.push(`($${scanValues2.length - 3}, $${scanValues2.length - 2}, $${scanValues2.length - 1}, $${scanValues2.length})`);
      }
      await client.query(
        `INSERT INTO devices (id, site, origin_site, agent, ip, mac, serial, endpoint, addresses, ports, sources, first_seen, last_seen, identification, vendor, brand, model,
           firmware, device_class, covered, confidence, status, status_reason, location, owner, notes, alert, alert_at, updated_at) VALUES ${rows.join(', ')}`,
        values,
      );
      await client.query(`INSERT INTO device_scans (device_id, scan_id, ip, seen_at) VALUES ${scans.join(', ')}`, scanValues2);
    }
    await client.query('ANALYZE');
  });
}

export async function run(options: { build?: boolean; print?: (line: string) => void } = {}): Promise<FleetFigures> {
  const print = options.print ?? ((line: string) => console.log(line));
  if (options.build ?? true) spawnSync('npm', ['run', 'build'], { cwd: repositoryRoot, stdio: 'ignore' });
  const server = await postgres(print);
  const name = `camaudit_bench_${randomBytes(4).toString('hex')}`;
  await withClient(server.url, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  let central: ChildProcess | undefined;
  try {
    const started = await startServe(url.toString(), ['--token', ADMIN_TOKEN]);
    central = started.child;
    const { port } = started;
    const ingestRate = await ingest(url.toString(), port);
    print(`fleet ingest  ${thousands(ingestRate)} observations/s into PostgreSQL  ${AGENTS} agents x ${BATCHES_PER_AGENT} batches of ${OBSERVATIONS_PER_BATCH}, one request at a time each (target >= 5,000/s)`);

    const populateStarted = performance.now();
    await populate(url.toString());
    const populateSeconds = (performance.now() - populateStarted) / 1000;
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const base = `http://${HOST}:${port}`;
    const pageTimes: number[] = [];
    for (let request = 0; request < PAGE_REQUESTS; request += 1) {
      const site = `site-${String(Math.floor(Math.random() * SITES)).padStart(4, '0')}`;
      const filter = request % 2 === 0 ? '' : '&covered=true';
      const { ms, status } = await timed(`${base}/devices?site=${site}${filter}&limit=100`, admin);
      if (status !== 200) throw new Error(`GET /devices answered ${status}`);
      pageTimes.push(ms);
    }
    const siteTimes: number[] = [];
    for (let request = 0; request < SITES_REQUESTS; request += 1) {
      const { ms, status } = await timed(`${base}/sites`, admin);
      if (status !== 200) throw new Error(`GET /sites answered ${status}`);
      siteTimes.push(ms);
    }
    print(
      `fleet reads  ${thousands(DEVICES)} devices over ${thousands(SITES)} sites (written in ${fixed(populateSeconds)} s): GET /devices?site=…&limit=100 p50 ${fixed(percentile(pageTimes, 0.5))} ms p90 ${fixed(percentile(pageTimes, 0.9))} ms (n=${PAGE_REQUESTS}, target p50 <= 50 ms); GET /sites p50 ${fixed(percentile(siteTimes, 0.5))} ms p90 ${fixed(percentile(siteTimes, 0.9))} ms (n=${SITES_REQUESTS}, target <= 200 ms)`,
    );

    const pid = central.pid!;
    const before = rssMb(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 20);
    const exported = await timed(`${base}/export.csv`, admin);
    clearInterval(sampler);
    peak = Math.max(peak, rssMb(pid));
    print(
      `fleet export  GET /export.csv of ${thousands(DEVICES)} devices: ${fixed(exported.bytes / 1024 / 1024)} MB in ${fixed(exported.ms / 1000)} s; server RSS ${fixed(before)} MB before, peak ${fixed(peak)} MB during (read ${STREAM_PAGE_SIZE} devices per query)`,
    );
    return {
      ingestObservationsPerSecond: ingestRate,
      devicesPageP50Ms: percentile(pageTimes, 0.5),
      devicesPageP90Ms: percentile(pageTimes, 0.9),
      sitesP50Ms: percentile(siteTimes, 0.5),
      exportCsvSeconds: exported.ms / 1000,
      exportCsvMb: exported.bytes / 1024 / 1024,
      serverRssBeforeMb: before,
      serverRssPeakMb: peak,
    };
  } finally {
    central?.kill('SIGTERM');
    if (central && central.exitCode === null) await Promise.race([once(central, 'exit'), sleep(3000)]);
    await withClient(server.url, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined);
    server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then(
    () => undefined,
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
