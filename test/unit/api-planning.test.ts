import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_CSP, registerWebRoutes } from '../../src/api/routes/web.js';
import type { InventoryDevice } from '../../src/inventory/index.js';
import { startApi, type RunningApi } from './api-helpers.js';
import { observation, sadp, scanWith, storeKinds, tempInventory } from './inventory-helpers.js';

// The routes the planning page adds (overview, facets, server, sorting, the advisory filter) and the page's own
// files: their security headers, and that they load without the token the API calls need.

const TOKEN = 'planning-page-unit-test-token-0123456789';
let api: RunningApi;
let withToken: RunningApi;
let assets: string;

// The routes' SQL differs by engine (sorting, the advisory filter, the overview's counts): both stores answer them.
describe.each(storeKinds('api-planning'))('the planning routes (%s store)', (kind) => {
  beforeAll(async () => {
    const temp = await tempInventory(kind, 'camaudit-api-planning-');
    await scanWith(temp.inventory, [
      observation(sadp('10.0.0.3', 'aa:bb:cc:00:00:03', 'SN3', 'DS-B')),
      observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SN2', 'DS-A')),
      observation({ source: 'dhip', ip: '10.0.0.7', mac: 'aa:bb:cc:00:00:07', dhip: { DeviceType: 'IPC-HDW', Vendor: 'Lorex', SerialNo: 'DH0007', Version: '2.8' } }),
    ]);
    api = await startApi({ allowedCidrs: ['10.0.0.0/24'], startScan: async () => 'never-called' }, temp);
    // A second inventory behind a token.
    const second = await tempInventory(kind, 'camaudit-api-planning-token-');
    await scanWith(second.inventory, [observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SN2', 'DS-A'))]);
    withToken = await startApi({ token: TOKEN }, second);
    assets = mkdtempSync(join(tmpdir(), 'camaudit-web-assets-'));
  });
  afterAll(async () => {
    await api.close();
    await withToken.close();
    rmSync(assets, { recursive: true, force: true });
  });

  describe('GET /overview, /facets and /server', () => {
    it('answers the overview with counts, progress and the four alert groups', async () => {
      const { status, body } = await api.json<{ devices: number; covered: Record<string, number>; progress: unknown[]; alerts: { kind: string; available: boolean }[] }>('/overview');
      expect(status).toBe(200);
      expect(body.devices).toBe(3);
      expect(body.covered).toEqual({ total: 3, found: 3, planned: 0, replaced: 0, removed: 0, exempt: 0 });
      expect(body.progress).toHaveLength(1);
      expect(body.alerts.map((alert) => [alert.kind, alert.available])).toEqual([
        ['seenAgain', true],
        ['newCovered', true],
        ['advisory', true],
        ['cloudP2p', true],
      ]);
    });

    it('answers the filter values, and what this server may scan', async () => {
      const facets = await api.json<{ vendors: string[]; advisories: { id: string }[] }>('/facets');
      expect(facets.body.vendors).toEqual(['Dahua', 'Hikvision']);
      expect(facets.body.advisories.map((advisory) => advisory.id)).toEqual(['TEST-ADV-1']);
      const server = await api.json('/server');
      expect(server.body).toMatchObject({ scanning: true, allowedCidrs: ['10.0.0.0/24'], scanRunning: false });
      const closed = await withToken.json('/server', { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(closed.body).toMatchObject({ scanning: false, allowedCidrs: [] });
    });
  });

  describe('GET /devices for the page', () => {
    it('sorts by a column in either order and filters by advisory; refuses unknown sort keys', async () => {
      const models = async (order: string) =>
        (await api.json<{ items: InventoryDevice[] }>(`/devices?sort=model&order=${order}`)).body.items.map((device) => device.identification.model);
      expect(await models('asc')).toEqual(['DS-A', 'DS-B', 'IPC-HDW']);
      expect(await models('desc')).toEqual(['IPC-HDW', 'DS-B', 'DS-A']);
      expect((await api.json<{ total: number }>('/devices?advisory=any')).body.total).toBe(1);
      expect((await api.json<{ total: number }>('/devices?advisory=none')).body.total).toBe(2);
      expect((await api.json('/devices?sort=identification')).status).toBe(400);
      expect((await api.json('/devices?sort=ip&order=sideways')).status).toBe(400);
      const csv = await (await api.get('/export.csv?advisory=TEST-ADV-1')).text();
      expect(csv.trimEnd().split('\r\n')).toHaveLength(2);
    });
  });

  describe('the page itself', () => {
    it('is served with a strict CSP and no inline script, and loads without the token the API wants', async () => {
      for (const path of ['/', '/app.js', '/app.css']) {
        const response = await withToken.get(path);
        // Built by `npm run build` (npm test builds before the tests run).
        expect(response.status, path).toBe(200);
        expect(response.headers.get('content-security-policy')).toBe(PAGE_CSP);
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      }
      expect(PAGE_CSP).toContain("default-src 'none'");
      expect(PAGE_CSP).not.toMatch(/unsafe|\*|http/);
      const html = await (await withToken.get('/')).text();
      expect(html).toMatch(/<script type="module" src="app.js"><\/script>/);
      expect(html).not.toMatch(/<script>|<style|\sstyle=|\son\w+=/);
      expect((await withToken.get('/favicon.ico')).status).toBe(204);
      expect((await withToken.get('/overview')).status).toBe(401);
      expect((await withToken.get('/facets')).status).toBe(401);
      expect((await withToken.get('/overview', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    });

    it('says how to build it when dist/web is missing, and serves what is there when it exists', async () => {
      const app = Fastify();
      registerWebRoutes(app, join(assets, 'missing'));
      const missing = await app.inject({ method: 'GET', url: '/' });
      expect(missing.statusCode).toBe(503);
      expect(missing.body).toContain('npm run build');
      await app.close();
      for (const [name, content] of [['index.html', '<!doctype html><title>t</title>'], ['app.js', 'export {};'], ['app.css', 'body{}']]) writeFileSync(join(assets, name!), content!);
      const built = Fastify();
      registerWebRoutes(built, assets);
      const page = await built.inject({ method: 'GET', url: '/app.js' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/javascript/);
      expect(page.body).toBe('export {};');
      await built.close();
    });
  });
});
