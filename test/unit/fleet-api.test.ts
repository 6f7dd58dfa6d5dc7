import { afterEach, describe, expect, it } from 'vitest';
import type { DevicePage, InventoryDevice, SiteSummary } from '../../src/inventory/index.js';
import { jsonBody, startApi, type RunningApi } from './api-helpers.js';
import { batchOf, camera, printer } from './fleet-helpers.js';
import { storeKinds, tempInventory } from './inventory-helpers.js';

// Issue 18 over real HTTP, against both stores: pushes, site-scoped tokens, sites with the same private ranges,
// devices that move between sites, and GET /sites.

const ADMIN = 'admin-token-0123456789abcdef0123456789abcdef';
const admin = { authorization: `Bearer ${ADMIN}` };

describe.each(storeKinds('fleet-api'))('fleet API (%s store)', (kind) => {
  let api: RunningApi;
  afterEach(async () => api.close());

  const start = async (): Promise<RunningApi> => (api = await startApi({ token: ADMIN, requireToken: true }, await tempInventory(kind, 'camaudit-fleet-')));
  const push = (token: string, body: unknown) => api.json<Record<string, unknown>>('/ingest', jsonBody('POST', body, { authorization: `Bearer ${token}` }));

  it('an agent token writes its own site only, reads nothing, and a revoked token is refused', async () => {
    await start();
    const { token: tokenA, record } = await api.temp.inventory.createToken({ role: 'agent', site: 'site-a' });
    expect(record).toMatchObject({ role: 'agent', site: 'site-a', revokedAt: null });
    // Only the hash is stored.
    expect(JSON.stringify(await api.temp.inventory.listTokens())).not.toContain(tokenA);

    const own = await push(tokenA, batchOf('site-a', camera('site-a', '10.0.0.10', 'aa:bb:cc:00:0a:10', 'SERIALA10')));
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ stored: 2, duplicates: 0, scanStatus: 'finished' });

    const other = await push(tokenA, batchOf('site-b', camera('site-b', '10.0.0.10', 'aa:bb:cc:00:0b:10', 'SERIALB10')));
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ code: 'CAMAUDIT_ERR_FORBIDDEN' });
    // Observations of site B smuggled into a batch that says site A.
    const smuggled = await push(tokenA, { ...batchOf('site-a', []), observations: camera('site-b', '10.0.0.11', 'aa:bb:cc:00:0b:11', 'SERIALB11') });
    expect(smuggled.status).toBe(400);

    for (const path of ['/devices', '/sites', '/scans', '/export.csv', `/devices/${'x'.repeat(8)}`]) {
      const response = await api.get(path, { authorization: `Bearer ${tokenA}` });
      expect(response.status, path).toBe(403);
    }
    const patch = await api.json(`/devices/x`, jsonBody('PATCH', { notes: 'x' }, { authorization: `Bearer ${tokenA}` }));
    expect(patch.status).toBe(403);

    const devices = await api.json<DevicePage>('/devices', { headers: admin });
    expect(devices.body.items.map((device) => device.site)).toEqual(['site-a']);

    expect(await api.temp.inventory.revokeToken(record.id)).toBe(true);
    expect((await push(tokenA, batchOf('site-a', printer('site-a', '10.0.0.20')))).status).toBe(401);
    expect((await push('not-a-token', batchOf('site-a', []))).status).toBe(401);
    // Pushing always needs a token, even where reads would not.
    expect((await api.json('/ingest', jsonBody('POST', batchOf('site-a', [])))).status).toBe(401);
  });

  it('a batch sent twice stores nothing the second time, and a forged observation id is refused', async () => {
    await start();
    const { token } = await api.temp.inventory.createToken({ role: 'agent', site: 'north' });
    const observations = [...camera('north', '10.1.0.5', 'aa:bb:cc:01:00:05', 'SERIALN5'), ...printer('north', '10.1.0.6')];
    const first = batchOf('north', observations, { finish: false });
    expect((await push(token, first)).body).toMatchObject({ stored: 3, duplicates: 0, scanStatus: 'running' });
    expect((await push(token, first)).body).toMatchObject({ stored: 0, duplicates: 3, scanStatus: 'running' });
    const last = { ...first, observations: [], finish: { status: 'finished' } };
    expect((await push(token, last)).body).toMatchObject({ scanStatus: 'finished' });
    // The last batch again (its answer was lost): the scan is not merged twice.
    expect((await push(token, last)).body).toMatchObject({ stored: 0, scanStatus: 'finished' });
    const devices = await api.json<DevicePage>('/devices?site=north', { headers: admin });
    expect(devices.body.total).toBe(2);
    const detail = await api.json<{ history: { kind: string }[] }>(`/devices/${devices.body.items[0]!.id}`, { headers: admin });
    expect(detail.body.history.filter((entry) => entry.kind === 'created')).toHaveLength(1);

    const forged = camera('north', '10.1.0.7', 'aa:bb:cc:01:00:07', 'SERIALN7');
    forged[0] = { ...forged[0]!, ip: '10.1.0.8' };
    const refused = await push(token, batchOf('north', forged));
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'CAMAUDIT_ERR_BAD_OBSERVATION' });
    // Only camaudit import, in its own process, may skip the second hash: a push that asks to is refused the same.
    const dressed = await push(token, { ...batchOf('north', forged), idsComputedHere: true, options: { idsComputedHere: true } });
    expect(dressed.status).toBe(400);
  });

  it('the same private address at two sites is two devices; a MAC seen at another site is one device that moved', async () => {
    await start();
    const a = (await api.temp.inventory.createToken({ role: 'agent', site: 'site-a' })).token;
    const b = (await api.temp.inventory.createToken({ role: 'agent', site: 'site-b' })).token;
    await push(a, batchOf('site-a', [...camera('site-a', '10.0.0.10', 'aa:bb:cc:00:00:10', 'SERIAL0010'), ...printer('site-a', '10.0.0.20')]));
    await push(b, batchOf('site-b', [...camera('site-b', '10.0.0.10', 'aa:bb:cc:00:00:99', 'SERIAL0099'), ...printer('site-b', '10.0.0.20')]));
    const siteA = (await api.json<DevicePage>('/devices?site=site-a', { headers: admin })).body;
    const siteB = (await api.json<DevicePage>('/devices?site=site-b', { headers: admin })).body;
    expect(siteA.items.map((device) => device.ip).sort()).toEqual(['10.0.0.10', '10.0.0.20']);
    expect(siteB.items.map((device) => device.ip).sort()).toEqual(['10.0.0.10', '10.0.0.20']);
    const idsA = new Set(siteA.items.map((device) => device.id));
    expect(siteB.items.some((device) => idsA.has(device.id))).toBe(false);

    // Site A's camera (its MAC and serial) turns up at site B, at another address.
    await push(b, batchOf('site-b', camera('site-b', '10.0.0.77', 'aa:bb:cc:00:00:10', 'SERIAL0010')));
    const moved = (await api.json<DevicePage>('/devices?site=site-b&q=aa:bb:cc:00:00:10', { headers: admin })).body.items;
    expect(moved).toHaveLength(1);
    const device = moved[0] as InventoryDevice;
    expect(device).toMatchObject({ site: 'site-b', ip: '10.0.0.77', movedFrom: 'site-a' });
    expect(idsA.has(device.id)).toBe(true);
    expect((await api.json<DevicePage>('/devices?site=site-a', { headers: admin })).body.items.map((entry) => entry.ip)).toEqual(['10.0.0.20']);
    const history = (await api.json<{ history: { kind: string; oldValue: string; newValue: string }[] }>(`/devices/${device.id}`, { headers: admin })).body.history;
    expect(history).toContainEqual(expect.objectContaining({ kind: 'moved', oldValue: 'site-a', newValue: 'site-b' }));
  });

  it('GET /sites counts devices, covered and statuses per site, with the last push, agent version and overdue flag', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    api = await startApi({ token: ADMIN, requireToken: true }, await tempInventory(kind, 'camaudit-sites-', { now: () => new Date(now) }));
    const a = (await api.temp.inventory.createToken({ role: 'agent', site: 'site-a' })).token;
    const b = (await api.temp.inventory.createToken({ role: 'agent', site: 'site-b' })).token;
    await push(a, batchOf('site-a', [...camera('site-a', '10.0.0.10', 'aa:bb:cc:00:00:10', 'SERIAL0010'), ...printer('site-a', '10.0.0.20')], { scanEverySeconds: 3600 }));
    await push(b, batchOf('site-b', camera('site-b', '10.0.0.10', 'aa:bb:cc:00:00:11', 'SERIAL0011'), { scanEverySeconds: 6 * 3600 }));
    const [printerA] = (await api.temp.inventory.listDevices({ site: 'site-a', covered: false })).items;
    await api.temp.inventory.updateDevice(printerA!.id, { status: 'planned' });
    now += 3 * 3600 * 1000;
    const sites = (await api.json<{ items: SiteSummary[] }>('/sites', { headers: admin })).body.items;
    expect(sites).toEqual([
      {
        site: 'site-a',
        devices: 2,
        covered: 1,
        byStatus: { found: 1, planned: 1, replaced: 0, removed: 0, exempt: 0 },
        agent: 'agent-site-a',
        agentVersion: '0.1.0-test',
        lastPushAt: '2026-01-01T00:00:00.000Z',
        scanEverySeconds: 3600,
        overdue: true,
      },
      expect.objectContaining({ site: 'site-b', devices: 1, covered: 1, scanEverySeconds: 21600, overdue: false }),
    ]);
    const one = (await api.json<{ items: SiteSummary[] }>('/sites?site=site-b', { headers: admin })).body.items;
    expect(one.map((site) => site.site)).toEqual(['site-b']);
    const csv = await (await api.get('/export.csv?site=site-b', admin)).text();
    expect(csv.trimEnd().split('\r\n')).toHaveLength(2);
  });
});
