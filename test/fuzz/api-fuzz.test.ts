import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonBody, startApi, type RunningApi } from '../unit/api-helpers.js';
import { http, observation, sadp, scanWith, tempInventory } from '../unit/inventory-helpers.js';

// Whatever a client sends, the API answers with a 2xx or a 4xx JSON error, never a 500 and never a hang.

let api: RunningApi;
let deviceId: string;
let scanId: string;

beforeAll(async () => {
  const temp = await tempInventory('sqlite', 'camaudit-api-fuzz-');
  const scan = await scanWith(temp.inventory, [observation(sadp('10.0.0.2', 'aa:bb:cc:00:00:02', 'SERIAL0002', 'DS-2')), observation(http('10.0.0.3', 'x'))]);
  deviceId = scan.deviceIds[0]!;
  scanId = scan.scanId;
  api = await startApi({ allowedCidrs: ['10.0.0.0/24'], startScan: async () => 'never-called-with-a-valid-running-check' }, temp);
});
afterAll(async () => api.close());

const KEYS = ['vendor', 'brand', 'covered', 'status', 'site', 'seenSince', 'q', 'alert', 'limit', 'offset', 'bom', 'against', 'x'];
const value = fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String), fc.constantFrom('true', 'false', '', '%', '\\', "'", '2025-01-01', '-1', '1e309', 'NaN', '[]'));
const query = fc.array(fc.tuple(fc.constantFrom(...KEYS), value), { maxLength: 5 }).map((pairs) => new URLSearchParams(pairs).toString());
const PATHS = ['/devices', '/scans', '/export.csv', '/export.json', '/export.jsonl', '/export.xlsx', '/health'];

async function expectHandled(response: Response): Promise<void> {
  expect(response.status).toBeLessThan(500);
  if (response.status >= 400) {
    const body = (await response.json()) as { code?: unknown; message?: unknown };
    expect(typeof body.code).toBe('string');
    expect(typeof body.message).toBe('string');
  } else await response.arrayBuffer();
}

describe('API fuzz (real HTTP)', () => {
  it('any query string on any GET route', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS, `/devices/${'{id}'}`, `/scans/${'{scan}'}/diff`), query, async (path, search) => {
        const resolved = path.replace('{id}', deviceId).replace('{scan}', scanId);
        await expectHandled(await fetch(`${api.url}${resolved}?${search}`));
      }),
      { numRuns: 150 },
    );
  });

  it('numeric extremes in limit and offset (found by fuzzing: offset=1e309 gave a 500)', async () => {
    for (const path of ['/devices', '/scans']) {
      for (const key of ['limit', 'offset']) {
        for (const extreme of ['1e308', '1e309', '-1e309', '9007199254740993', '2147483648', '-0', '0x10', '1.5']) {
          await expectHandled(await fetch(`${api.url}${path}?${key}=${extreme}`));
        }
      }
    }
  });

  it('any JSON body on PATCH /devices/:id and POST /scans', async () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({ status: fc.oneof(fc.constantFrom('found', 'planned', 'replaced', 'removed', 'exempt'), fc.string()), statusReason: fc.option(fc.string()), notes: fc.option(fc.string({ maxLength: 50 })) }, { requiredKeys: [] }),
      fc.record({ cidrs: fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 40 })).map(([ip, prefix]) => `${ip}/${prefix}`)), { maxLength: 4 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('PATCH', 'POST'), body, async (method, payload) => {
        const path = method === 'PATCH' ? `/devices/${deviceId}` : '/scans';
        const response = await fetch(`${api.url}${path}`, jsonBody(method, payload));
        if (method === 'POST' && response.status === 202) {
          // A valid in-range request got through to the (stub) runner; nothing else may.
          expect((payload as { cidrs: string[] }).cidrs.length).toBeGreaterThan(0);
        }
        await expectHandled(response);
      }),
      { numRuns: 150 },
    );
  });

  it('garbage bytes as a body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'), async (bytes, type) => {
        await expectHandled(await fetch(`${api.url}/devices/${deviceId}`, { method: 'PATCH', headers: { 'content-type': type }, body: bytes }));
      }),
      { numRuns: 100 },
    );
  });
});
