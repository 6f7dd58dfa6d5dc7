// Issue 18 end to end: two sites whose ranges overlap (two labs, both 10.231.1.0/24, each with its own camera at
// 10.231.1.10), each with its own `camaudit agent` in its scanner namespace, pushing to one central `camaudit serve`
// on PostgreSQL. The central server runs in a namespace of lab A's (<A>-d-central) linked to both scanner
// namespaces by veth pairs, and reaches PostgreSQL through the test server's unix socket (sockets are files, so
// they work across network namespaces). Nothing leaves the labs.
//   - /devices?site= shows each site's devices separately;
//   - the central server is killed while the agents push, then started again: every observation each agent
//     recorded is stored exactly once (counted by id against the agent's own inventory);
//   - site A's token cannot write site B and cannot read;
//   - an offline bundle (scan --out) imported twice stores its observations once.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgTestUrl, tempPostgresDatabase } from '../unit/inventory-helpers.js';
import { runCommand } from './exec.js';
import { CAMAUDIT_CLI as CLI, LAN_CIDR as RANGE, useLab } from './harness/index.js';
import type { Lab } from './lab.js';
import { loadProfile } from './profile-loader.js';

const ADMIN_TOKEN = 'fleet-lab-admin-token-0123456789abcdef0123';
const PORT = 7370;
const LINKS = { a: { central: '10.250.1.1', agent: '10.250.1.2' }, b: { central: '10.250.2.1', agent: '10.250.2.2' } } as const;

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
const socketDirectory = process.env.CAMAUDIT_TEST_PG_SOCKET_DIR;
const labA = useLab('FLEET', { cli: true, profiles: ['hik-ipc', 'dahua-ipc', 'printer'], twoSegmentScanner: false });
const labB = useLab('FLEET', { profiles: ['axis-cam'], extraProfiles: [twinCamera()], twoSegmentScanner: false });
const runLab = labA.enabled && (pgTestUrl() !== undefined || inCi);
if (labA.enabled && !runLab) process.stderr.write('\n!!! FLEET LAB TESTS SKIPPED: CAMAUDIT_TEST_PG_URL is not set (scripts/pg-test-server.sh)\n\n');

/** Site B's camera: hik-ipc's twin at the same address, with its own MAC, serial and ONVIF endpoint. */
function twinCamera() {
  const profile = structuredClone(loadProfile('hik-ipc'));
  profile.name = 'hik-ipc-b';
  profile.mac = '58:50:ed:3a:10:b2';
  profile.identity = { ...profile.identity, serial: 'DS-2CD2385G1-I20200414AAWRE76543210', serialShort: 'E76543210', deviceUuid: 'aa85c000-6324-11b3-819e-5850ed3a10b2' };
  return profile;
}

describe.runIf(runLab)('two sites with overlapping ranges push to one central server on PostgreSQL', () => {
  const work = (name: string): string => labA.workPath(name);
  let database: { url: string; drop(): Promise<void> };
  let centralUrl: string;
  let central: ChildProcess | undefined;
  let centralLog = '';
  const agents: ChildProcess[] = [];
  let tokens: { a: string; b: string };
  const centralNamespace = (): string => `${labA.prefix}-d-central`;

  const ip = async (args: string[]): Promise<void> => {
    const result = await runCommand(['ip', ...args]);
    if (result.code !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr}`);
  };

  const startCentral = async (): Promise<void> => {
    centralLog = '';
    const child = spawn('ip', ['netns', 'exec', centralNamespace(), process.execPath, CLI, 'serve', '--db', centralUrl, '--host', '0.0.0.0', '--port', String(PORT), '--token', ADMIN_TOKEN], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CAMAUDIT_LOG_LEVEL: 'info' },
    });
    child.stdout.on('data', (chunk: Buffer) => (centralLog += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (centralLog += chunk.toString()));
    central = child;
    const deadline = Date.now() + 30_000;
    while (!centralLog.includes('serving')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`central server did not start: ${centralLog}`);
      await new Promise((done) => setTimeout(done, 100));
    }
  };

  const killCentral = async (): Promise<void> => {
    const child = central!;
    const exited = new Promise((done) => child.once('exit', done));
    // `ip netns exec` execs node in place, so this is the server itself: killed, no graceful close.
    child.kill('SIGKILL');
    await exited;
  };

  /** HTTP to the central server from inside lab A's scanner namespace (the only way in). */
  const request = async (path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown }> => {
    const script = `fetch(process.argv[1], { method: process.argv[2], headers: { authorization: 'Bearer ' + process.argv[3], 'content-type': 'application/json' }, body: process.argv[4] || undefined })
      .then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))`;
    const result = await labA.runInScanner([process.execPath, '-e', script, `http://${LINKS.a.central}:${PORT}${path}`, init.method ?? 'GET', token, init.body === undefined ? '' : JSON.stringify(init.body)]);
    if (result.code !== 0) throw new Error(`request ${path}: ${result.stderr}`);
    const parsed = JSON.parse(result.stdout) as { status: number; body: string };
    let body: unknown = parsed.body;
    try {
      body = JSON.parse(parsed.body);
    } catch {
      // Not JSON (CSV): kept as text.
    }
    return { status: parsed.status, body };
  };

  const startAgent = (lab: Lab, site: 'site-a' | 'site-b', server: string, token: string): void => {
    const directory = work(site);
    const child = lab.spawnInScanner(
      [process.execPath, CLI, 'agent', '--server', `http://${server}:${PORT}`, '--site', site, '--cidr', RANGE, '--interface', 'eth0', '--no-multicast', '--scan-every', '1h', '--listen-window', '1500', '--batch', '5', '--db', join(directory, 'agent.sqlite'), '--spool', join(directory, 'spool')],
      { env: { CAMAUDIT_PUSH_TOKEN: token, CAMAUDIT_LOG_LEVEL: 'warn' } },
    );
    agents.push(child);
  };

  const pg_ = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    if (socketDirectory === undefined) throw new Error('CAMAUDIT_TEST_PG_SOCKET_DIR is not set (.ci/run sets it with CAMAUDIT_TEST_PG_URL)');
    database = await tempPostgresDatabase();
    const url = new URL(database.url);
    centralUrl = `postgres://${url.username}@localhost:${url.port}${url.pathname}?host=${encodeURIComponent(socketDirectory)}`;
    // The central namespace, linked to each scanner namespace; both veth pairs are made inside lab namespaces.
    await ip(['netns', 'add', centralNamespace()]);
    await ip(['-n', centralNamespace(), 'link', 'set', 'lo', 'up']);
    for (const [name, lab, link] of [['a', labA, LINKS.a], ['b', labB, LINKS.b]] as const) {
      await ip(['-n', centralNamespace(), 'link', 'add', `c${name}`, 'type', 'veth', 'peer', 'name', `up${name}`, 'netns', lab.scannerNamespace]);
      await ip(['-n', centralNamespace(), 'addr', 'add', `${link.central}/30`, 'dev', `c${name}`]);
      await ip(['-n', centralNamespace(), 'link', 'set', `c${name}`, 'up']);
      await ip(['-n', lab.scannerNamespace, 'addr', 'add', `${link.agent}/30`, 'dev', `up${name}`]);
      await ip(['-n', lab.scannerNamespace, 'link', 'set', `up${name}`, 'up']);
    }
    const token = async (site: string): Promise<string> => {
      const result = await runCommand([process.execPath, CLI, 'token', 'create', '--site', site, '--db', database.url]);
      if (result.code !== 0) throw new Error(`token create: ${result.stderr}`);
      return result.stdout.trim();
    };
    tokens = { a: await token('site-a'), b: await token('site-b') };
    for (const site of ['site-a', 'site-b']) mkdirSync(work(site));
  }, 180_000);

  afterAll(async () => {
    for (const agent of agents) agent.kill('SIGKILL');
    central?.kill('SIGKILL');
    await database?.drop();
  });

  it('a central server killed mid-push, then restarted, ends with every observation of both agents stored exactly once', async () => {
    await startCentral();
    startAgent(labA, 'site-a', LINKS.a.central, tokens.a);
    startAgent(labB, 'site-b', LINKS.b.central, tokens.b);
    // Kill as soon as the first batch has landed, while the rest of the scans' batches are still coming.
    const deadline = Date.now() + 60_000;
    while (!centralLog.includes('batch ingested')) {
      if (Date.now() > deadline) throw new Error(`no batch arrived: ${centralLog}`);
      await new Promise((done) => setTimeout(done, 20));
    }
    await killCentral();
    const storedBeforeRestart = Number((await pg_<{ count: number }>('SELECT COUNT(*)::int AS count FROM observations'))[0]!.count);
    await new Promise((done) => setTimeout(done, 1500));
    await startCentral();

    // Both scans finished at the centre, both spools empty.
    const until = Date.now() + 90_000;
    for (;;) {
      const finished = await pg_<{ site: string }>("SELECT site FROM scans WHERE status = 'finished'");
      if (finished.length === 2) break;
      if (Date.now() > until) throw new Error(`scans not finished at the centre: ${JSON.stringify(finished)}\n${centralLog}`);
      await new Promise((done) => setTimeout(done, 250));
    }

    for (const site of ['site-a', 'site-b']) {
      const local = new Database(join(work(site), 'agent.sqlite'), { readonly: true });
      let localIds: string[];
      let scanId: string;
      try {
        scanId = (local.prepare('SELECT id FROM scans').get() as { id: string }).id;
        localIds = (local.prepare('SELECT observation_id FROM observation_sightings WHERE scan_id = ? ORDER BY observation_id').all(scanId) as { observation_id: string }[]).map((row) => row.observation_id);
      } finally {
        local.close();
      }
      expect(localIds.length, site).toBeGreaterThanOrEqual(5);
      const centralIds = (await pg_<{ observation_id: string }>('SELECT observation_id FROM observation_sightings WHERE scan_id = $1 ORDER BY observation_id', [scanId])).map((row) => row.observation_id);
      expect(centralIds, site).toEqual(localIds);
      const stored = await pg_<{ count: number; distinct: number }>('SELECT COUNT(*)::int AS count, COUNT(DISTINCT id)::int AS distinct FROM observations WHERE site = $1', [site]);
      expect(stored[0], site).toEqual({ count: localIds.length, distinct: localIds.length });
    }
    expect(storedBeforeRestart).toBeLessThan(Number((await pg_<{ count: number }>('SELECT COUNT(*)::int AS count FROM observations'))[0]!.count));
  }, 240_000);

  it('scan --push sends a one-off scan the same way, and says so', async () => {
    const result = await labA.runInScanner(
      [process.execPath, CLI, 'scan', '--cidr', RANGE, '--no-multicast', '--listen-window', '1500', '--site', 'site-a', '--db', work('once.sqlite'), '--push', `http://${LINKS.a.central}:${PORT}`, '--spool', work('once-spool')],
      { timeoutMs: 120_000, env: { CAMAUDIT_PUSH_TOKEN: tokens.a } },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/push: \d+ batches sent to http:/);
    const local = new Database(work('once.sqlite'), { readonly: true });
    let scanId: string;
    try {
      scanId = (local.prepare('SELECT id FROM scans').get() as { id: string }).id;
    } finally {
      local.close();
    }
    expect(await pg_('SELECT status FROM scans WHERE id = $1', [scanId])).toEqual([{ status: 'finished' }]);
  }, 180_000);

  it('shows each site its own devices: the same 10.231.1.10 at two sites is two cameras', async () => {
    type Page = { items: { id: string; ip: string; site: string; mac: string | null; movedFrom: string | null }[] };
    const siteA = (await request('/devices?site=site-a', ADMIN_TOKEN)).body as Page;
    const siteB = (await request('/devices?site=site-b', ADMIN_TOKEN)).body as Page;
    const cameraA = siteA.items.find((device) => device.ip === '10.231.1.10');
    const cameraB = siteB.items.find((device) => device.ip === '10.231.1.10');
    expect(cameraA?.mac).toBe(labA.device('hik-ipc').mac);
    expect(cameraB?.mac).toBe('58:50:ed:3a:10:b2');
    expect(cameraA!.id).not.toBe(cameraB!.id);
    expect(siteA.items.every((device) => device.site === 'site-a' && device.movedFrom === null)).toBe(true);
    expect(siteB.items.every((device) => device.site === 'site-b' && device.movedFrom === null)).toBe(true);
    const sites = (await request('/sites', ADMIN_TOKEN)).body as { items: { site: string; devices: number; lastPushAt: string; agentVersion: string; overdue: boolean }[] };
    expect(sites.items.map((site) => [site.site, site.devices])).toEqual([
      ['site-a', siteA.items.length],
      ['site-b', siteB.items.length],
    ]);
    for (const site of sites.items) expect(site).toMatchObject({ overdue: false, agentVersion: expect.any(String), lastPushAt: expect.any(String) });
  });

  it("site A's token cannot write site B, and cannot read", async () => {
    const batch = { site: 'site-b', agent: 'intruder', scan: { id: 'forged-scan', startedAt: new Date().toISOString(), scope: {}, channels: [] }, observations: [] };
    expect((await request('/ingest', tokens.a, { method: 'POST', body: batch })).status).toBe(403);
    for (const path of ['/devices', '/devices?site=site-a', '/sites', '/scans', '/export.csv']) expect((await request(path, tokens.a)).status, path).toBe(403);
    expect((await pg_('SELECT id FROM scans WHERE id = $1', ['forged-scan'])).length).toBe(0);
  });

  it('an offline bundle (scan --out) imported twice stores its observations once', async () => {
    const bundle = work('site-b-offline.jsonl.gz');
    const scan = await labB.runInScanner([process.execPath, CLI, 'scan', '--cidr', RANGE, '--no-multicast', '--listen-window', '1500', '--site', 'site-b', '--db', work('offline.sqlite'), '--out', bundle], { timeoutMs: 120_000 });
    expect(scan.code, scan.stderr).toBe(0);
    const load = async (): Promise<{ observations: number; stored: number; duplicates: number }> => {
      const result = await runCommand([process.execPath, CLI, 'import', bundle, '--site', 'site-b', '--db', database.url, '--json']);
      if (result.code !== 0) throw new Error(`import: ${result.stderr}`);
      return JSON.parse(result.stdout) as { observations: number; stored: number; duplicates: number };
    };
    const count = async (): Promise<number> => (await pg_<{ count: number }>("SELECT COUNT(*)::int AS count FROM observations WHERE site = 'site-b'"))[0]!.count;
    const before = await count();
    const first = await load();
    const afterFirst = await count();
    const second = await load();
    expect(first.observations).toBeGreaterThan(5);
    // The agent already pushed what this scan saw again: those are duplicates by id, the rest is new.
    expect(first.stored + first.duplicates).toBe(first.observations);
    expect(afterFirst).toBe(before + first.stored);
    expect(second).toMatchObject({ observations: first.observations, stored: 0, duplicates: first.observations });
    expect(await count()).toBe(afterFirst);
  }, 180_000);
});
