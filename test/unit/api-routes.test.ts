import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InventoryDevice, ScanDiff, ScanRecord } from '../../src/inventory/index.js';
import { DEVICE_COLUMNS } from '../../src/export/index.js';
import { parseCsv } from './export-helpers.js';
import { jsonBody, startApi, type RunningApi } from './api-helpers.js';
import type { StartScanOptions } from '../../src/api/routes/scans.js';
import { http, neighbour, observation, sadp, scanWith, tempInventory } from './inventory-helpers.js';

interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

// Two scans: between them one camera is added, one removed and one re-addressed.
let api: RunningApi;
let scanA: string;
let scanB: string;
const started: string[][] = [];
const startedWith: StartScanOptions[] = [];

beforeAll(async () => {
  const temp = await tempInventory('sqlite', 'camaudit-api-routes-');
  const { inventory } = temp;
  scanA = (await scanWith(inventory, [
    observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-STAYS')),
    observation(sadp('10.0.0.3', 'aa:bb:cc:00:00:03', 'SERIAL0003', 'DS-GOES')),
    observation(sadp('10.0.0.4', 'aa:bb:cc:00:00:04', 'SERIAL0004', 'DS-MOVES')),
    observation(http('10.0.0.10', '=HYPERLINK("http://x","y")')),
  ])).scanId;
  scanB = (await scanWith(inventory, [
    observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-STAYS')),
    // The kernel's neighbour table vouches for the MAC at the new address: a move, not a claim.
    observation(neighbour('10.0.0.44', 'aa:bb:cc:00:00:04')),
    observation(sadp('10.0.0.44', 'aa:bb:cc:00:00:04', 'SERIAL0004', 'DS-MOVES')),
    observation(sadp('10.0.0.6', 'aa:bb:cc:00:00:06', 'SERIAL0006', 'DS-NEW')),
    observation({ source: 'dhip', ip: '10.0.0.7', mac: 'aa:bb:cc:00:00:07', dhip: { DeviceType: 'IPC-HDW', Vendor: 'Lorex', SerialNo: 'DH0007', Version: '2.8' } }),
    observation(http('10.0.0.8', 'Printer')),
    observation(neighbour('10.0.0.8', 'aa:bb:cc:00:00:08')),
    observation(http('10.0.0.10', '=HYPERLINK("http://x","y")')),
  ])).scanId;
  api = await startApi(
    {
      allowedCidrs: ['10.0.0.0/24', '10.5.0.0/16'],
      startScan: async (cidrs, options) => {
        started.push(cidrs);
        startedWith.push(options);
        // Like the real runner: the scan is recorded as running before the promise resolves, and goes on.
        return inventory.beginScan({ site: 'hq', agent: 'api', scope: { cidrs }, channels: ['banner'] });
      },
    },
    temp,
  );
});
afterAll(async () => api.close());

const ids = (page: Page<InventoryDevice>): string[] => page.items.map((device) => device.ip).sort();

describe('GET /health', () => {
  it('answers ok with the version', async () => {
    const { status, body } = await api.json('/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', scanRunning: false });
    expect(typeof body.version).toBe('string');
  });
});

describe('GET /devices', () => {
  it('lists every device with its identification', async () => {
    const { status, body } = await api.json<Page<InventoryDevice>>('/devices');
    expect(status).toBe(200);
    expect(body.total).toBe(7);
    expect(body.limit).toBe(100);
    const moved = body.items.find((device) => device.identification.model === 'DS-MOVES')!;
    expect(moved).toMatchObject({ ip: '10.0.0.44', addresses: ['10.0.0.4', '10.0.0.44'], mac: 'aa:bb:cc:00:00:04', status: 'found', alert: null });
    expect(moved.identification).toMatchObject({ vendor: 'Hikvision', covered: true });
    expect(moved.identification.evidence[0]).toMatchObject({ ruleId: 'double-sadp', source: 'sadp' });
    expect(moved.scanIds).toEqual([scanA, scanB]);
  });

  it('filters by vendor, brand, covered, status, site, seen since and text', async () => {
    expect(ids((await api.json<Page<InventoryDevice>>('/devices?vendor=hikvision')).body)).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.44', '10.0.0.6']);
    expect(ids((await api.json<Page<InventoryDevice>>('/devices?brand=Lorex')).body)).toEqual(['10.0.0.7']);
    expect((await api.json<Page<InventoryDevice>>('/devices?covered=true')).body.total).toBe(5);
    expect(ids((await api.json<Page<InventoryDevice>>('/devices?covered=false')).body)).toEqual(['10.0.0.10', '10.0.0.8']);
    expect((await api.json<Page<InventoryDevice>>('/devices?status=found')).body.total).toBe(7);
    expect((await api.json<Page<InventoryDevice>>('/devices?status=replaced')).body.total).toBe(0);
    expect((await api.json<Page<InventoryDevice>>('/devices?site=hq')).body.total).toBe(7);
    expect((await api.json<Page<InventoryDevice>>('/devices?alert=true')).body.total).toBe(0);
    expect((await api.json<Page<InventoryDevice>>('/devices?alert=false')).body.total).toBe(7);
    expect((await api.json<Page<InventoryDevice>>('/devices?site=elsewhere')).body.total).toBe(0);
    expect((await api.json<Page<InventoryDevice>>('/devices?seenSince=2100-01-01')).body.total).toBe(0);
    expect((await api.json<Page<InventoryDevice>>('/devices?seenSince=2000-01-01T00:00:00Z')).body.total).toBe(7);
    expect(ids((await api.json<Page<InventoryDevice>>('/devices?search=aa%3Abb%3Acc%3A00%3A00%3A08')).body)).toEqual(['10.0.0.8']);
    expect(ids((await api.json<Page<InventoryDevice>>(`/devices?q=${encodeURIComponent('=HYPERLINK')}`)).body)).toEqual(['10.0.0.10']);
    expect(ids((await api.json<Page<InventoryDevice>>('/devices?vendor=hikvision&q=moves')).body)).toEqual(['10.0.0.44']);
  });

  it('pages without overlap or gaps', async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < 7; offset += 3) {
      const { body } = await api.json<Page<InventoryDevice>>(`/devices?limit=3&offset=${offset}`);
      expect(body).toMatchObject({ total: 7, limit: 3, offset });
      expect(body.items.length).toBe(Math.min(3, 7 - offset));
      seen.push(...body.items.map((device) => device.id));
    }
    expect(new Set(seen).size).toBe(7);
    expect((await api.json<Page<InventoryDevice>>('/devices?limit=3&offset=100')).body.items).toEqual([]);
  });

  it('refuses invalid filters with 400 and a code', async () => {
    for (const query of ['limit=0', 'limit=1001', 'offset=-1', 'covered=maybe', 'status=lost', 'unknown=1', 'seenSince=not-a-date', `q=${'x'.repeat(201)}`]) {
      const { status, body } = await api.json(`/devices?${query}`);
      expect(status, query).toBe(400);
      expect(body, query).toMatchObject({ statusCode: 400, code: 'CAMAUDIT_ERR_BAD_REQUEST' });
    }
  });
});

describe('GET and PATCH /devices/:id', () => {
  it('returns one device with evidence, history, sightings and observations; 404 for an unknown id', async () => {
    const { body: list } = await api.json<Page<InventoryDevice>>('/devices?q=ds-moves');
    const id = list.items[0]!.id;
    const { status, body } = await api.json<{ device: InventoryDevice; history: { kind: string; oldValue: string; newValue: string }[]; sightings: { scanId: string; ip: string }[]; observations: { source: string }[] }>(`/devices/${id}`);
    expect(status).toBe(200);
    expect(body.device.id).toBe(id);
    expect(body.device.identification.evidence.length).toBeGreaterThan(0);
    expect(body.history.find((entry) => entry.kind === 'address')).toMatchObject({ oldValue: '10.0.0.4', newValue: '10.0.0.44' });
    expect(body.sightings.map((entry) => [entry.scanId, entry.ip])).toEqual([
      [scanA, '10.0.0.4'],
      [scanB, '10.0.0.44'],
    ]);
    expect(body.observations.map((entry) => entry.source)).toEqual(['sadp', 'neighbour', 'sadp']);
    const missing = await api.json('/devices/does-not-exist');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'CAMAUDIT_ERR_NOT_FOUND' });
  });

  it('sets site, location, owner, notes and status; refuses bad patches', async () => {
    const { body: list } = await api.json<Page<InventoryDevice>>('/devices?q=ds-stays');
    const id = list.items[0]!.id;
    const patched = await api.json<InventoryDevice>(`/devices/${id}`, jsonBody('PATCH', { site: 'HQ east', location: 'Lobby', owner: 'Facilities', notes: 'ceiling', status: 'planned', statusReason: 'budget 2026' }));
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ site: 'HQ east', location: 'Lobby', owner: 'Facilities', notes: 'ceiling', status: 'planned', statusReason: 'budget 2026' });
    expect((await api.json<Page<InventoryDevice>>('/devices?status=planned')).body.items.map((device) => device.id)).toEqual([id]);
    expect((await api.json<Page<InventoryDevice>>('/devices?site=HQ%20east')).body.total).toBe(1);
    const cleared = await api.json<InventoryDevice>(`/devices/${id}`, jsonBody('PATCH', { notes: null }));
    expect(cleared.body.notes).toBeNull();

    const bad: [unknown, number][] = [
      [{ status: 'exempt' }, 400],
      [{ status: 'gone' }, 400],
      [{ stauts: 'planned' }, 400],
      [{}, 400],
      [{ site: '' }, 400],
      [{ notes: 'x'.repeat(2001) }, 400],
      [[1, 2], 400],
    ];
    for (const [body, expected] of bad) {
      const response = await api.json(`/devices/${id}`, jsonBody('PATCH', body));
      expect(response.status, JSON.stringify(body)).toBe(expected);
      expect(response.body).toMatchObject({ code: 'CAMAUDIT_ERR_BAD_REQUEST' });
    }
    const notJson = await fetch(`${api.url}/devices/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"notes":' });
    expect(notJson.status).toBe(400);
    expect((await api.json('/devices/nope', jsonBody('PATCH', { notes: 'x' }))).status).toBe(404);
    const exempt = await api.json<InventoryDevice>(`/devices/${id}`, jsonBody('PATCH', { status: 'exempt', statusReason: 'lab only' }));
    expect(exempt.body).toMatchObject({ status: 'exempt', statusReason: 'lab only' });
  });
});

describe('scans', () => {
  it('lists scans newest first, and returns one', async () => {
    const { body } = await api.json<Page<ScanRecord>>('/scans?status=finished');
    expect(body.items.map((scan) => scan.id)).toEqual([scanB, scanA]);
    const one = await api.json<ScanRecord>(`/scans/${scanA}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: scanA, site: 'hq', status: 'finished', scope: { cidrs: ['10.0.0.0/24'] }, counts: { devices: 4, newDevices: 4 } });
    expect((await api.json(`/scans/nope`)).status).toBe(404);
    expect((await api.json('/scans?limit=1')).body).toMatchObject({ limit: 1 });
  });

  it('diffs a scan against the previous one: new, gone, and the re-addressed device as one change', async () => {
    const { status, body } = await api.json<ScanDiff>(`/scans/${scanB}/diff`);
    expect(status).toBe(200);
    expect(body.from).toBe(scanA);
    expect(body.to).toBe(scanB);
    expect(body.new.map((entry) => entry.ip).sort()).toEqual(['10.0.0.6', '10.0.0.7', '10.0.0.8']);
    expect(body.gone.map((entry) => entry.model)).toEqual(['DS-GOES']);
    expect(body.changed).toHaveLength(1);
    expect(body.changed[0]).toMatchObject({ model: 'DS-MOVES', ip: '10.0.0.44', changes: [{ field: 'address', before: '10.0.0.4', after: '10.0.0.44' }] });
    expect(body.unchanged).toBe(2);
    const reverse = await api.json<ScanDiff>(`/scans/${scanA}/diff?against=${scanB}`);
    expect(reverse.body.gone.map((entry) => entry.ip).sort()).toEqual(['10.0.0.6', '10.0.0.7', '10.0.0.8']);
    const first = await api.json(`/scans/${scanA}/diff`);
    expect(first.status).toBe(404);
    expect((await api.json(`/scans/${scanB}/diff?against=nope`)).status).toBe(404);
  });

  it('POST /scans starts a scan only inside the allowed ranges, one at a time', async () => {
    const outside = await api.json('/scans', jsonBody('POST', { cidrs: ['10.0.0.0/24', '192.168.1.0/24'] }));
    expect(outside.status).toBe(403);
    expect(outside.body).toMatchObject({ code: 'CAMAUDIT_ERR_OUT_OF_SCOPE' });
    expect((await api.json('/scans', jsonBody('POST', { cidrs: ['10.0.0.0/23'] }))).status).toBe(403);
    const badCidr = await api.json('/scans', jsonBody('POST', { cidrs: ['10.0.0.0/33'] }));
    expect(badCidr.body).toMatchObject({ statusCode: 400, code: 'CAMAUDIT_ERR_BAD_CIDR' });
    expect((await api.json('/scans', jsonBody('POST', { cidrs: [] }))).status).toBe(400);
    expect((await api.json('/scans', jsonBody('POST', { ranges: ['10.0.0.0/24'] }))).status).toBe(400);
    expect(started).toEqual([]);

    const accepted = await api.json<{ scanId: string; status: string }>('/scans', jsonBody('POST', { cidrs: ['10.0.0.128/25', '10.5.3.7'] }));
    expect(accepted.status).toBe(202);
    expect(accepted.body.status).toBe('running');
    expect(started).toEqual([['10.0.0.128/25', '10.5.3.7/32']]);
    // Host discovery unless the request turns it off.
    expect(startedWith).toEqual([{ hostDiscovery: true }]);
    expect((await api.json<ScanRecord>(`/scans/${accepted.body.scanId}`)).body.status).toBe('running');
    expect((await api.json('/health')).body).toMatchObject({ scanRunning: true });

    expect((await api.json(`/scans/${accepted.body.scanId}/diff`)).status).toBe(409);
    const busy = await api.json('/scans', jsonBody('POST', { cidrs: ['10.0.0.0/24'] }));
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ code: 'CAMAUDIT_ERR_SCAN_RUNNING' });
    await api.temp.inventory.finishScan(accepted.body.scanId, { status: 'finished' });
    expect(started).toHaveLength(1);

    expect((await api.json('/scans', jsonBody('POST', { cidrs: ['10.0.0.0/24'], hostDiscovery: 'no' }))).status).toBe(400);
    const everyAddress = await api.json<{ scanId: string }>('/scans', jsonBody('POST', { cidrs: ['10.0.0.0/24'], hostDiscovery: false }));
    expect(everyAddress.status).toBe(202);
    expect(startedWith.at(-1)).toEqual({ hostDiscovery: false });
    await api.temp.inventory.finishScan(everyAddress.body.scanId, { status: 'finished' });
  });
});

describe('exports', () => {
  it('CSV: attachment, optional BOM, formula cells neutralised', async () => {
    const response = await api.get('/export.csv?bom=true');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="camaudit-devices.csv"');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(bytes.toString('utf8').slice(1));
    expect(rows[0]).toEqual(DEVICE_COLUMNS.map((column) => column.header));
    expect(rows).toHaveLength(8);
    const model = DEVICE_COLUMNS.findIndex((column) => column.key === 'model');
    expect(rows.some((row) => row[model] === `'=HYPERLINK("http://x","y")`)).toBe(true);
    const plain = await (await api.get('/export.csv?covered=false')).text();
    expect(plain.charCodeAt(0)).not.toBe(0xfeff);
    expect(parseCsv(plain)).toHaveLength(3);
  });

  it('JSON, JSON Lines and xlsx, with the same filters', async () => {
    const json = await api.get('/export.json?vendor=hikvision');
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const devices = (await json.json()) as InventoryDevice[];
    expect(devices.map((device) => device.identification.vendor)).toEqual(['Hikvision', 'Hikvision', 'Hikvision', 'Hikvision']);
    const lines = (await (await api.get('/export.jsonl')).text()).trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    expect((JSON.parse(lines[0]!) as InventoryDevice).id).toBeTruthy();
    const xlsx = await api.get('/export.xlsx');
    expect(xlsx.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const files = unzipSync(new Uint8Array(await xlsx.arrayBuffer()));
    const sheet = strFromU8(files['xl/worksheets/sheet2.xml']!);
    expect(sheet.match(/<row /g)).toHaveLength(8);
    expect(sheet).toContain('=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)');
    expect((await api.get('/export.json?status=bogus')).status).toBe(400);
  });
});

describe('docs and unknown routes', () => {
  it('serves the OpenAPI document with every route, and the browsable page', async () => {
    const { status, body } = await api.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>('/docs/json');
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    expect(Object.keys(body.paths).sort()).toEqual(
      ['/devices', '/devices/{id}', '/export.csv', '/export.json', '/export.jsonl', '/export.xlsx', '/facets', '/health', '/ingest', '/overview', '/scans', '/scans/{id}', '/scans/{id}/diff', '/server', '/sites'].sort(),
    );
    expect(Object.keys(body.paths['/devices/{id}']!).sort()).toEqual(['get', 'patch']);
    expect(Object.keys(body.paths['/scans']!).sort()).toEqual(['get', 'post']);
    const page = await fetch(`${api.url}/docs`, { redirect: 'follow' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/swagger/i);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const { status, body } = await api.json('/nothing-here');
    expect(status).toBe(404);
    expect(body).toMatchObject({ code: 'CAMAUDIT_ERR_NOT_FOUND' });
  });
});
