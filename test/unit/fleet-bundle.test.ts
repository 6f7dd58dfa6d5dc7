import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleSink, importBundle } from '../../src/fleet/bundle.js';
import { devicesToJson, devicesToJsonLines, streamJson, streamJsonLines } from '../../src/export/index.js';
import type { InventoryDevice } from '../../src/inventory/index.js';
import type { Observation } from '../../src/model.js';
import { camera, printer } from './fleet-helpers.js';
import { storeKinds, tempInventory, type TempInventory } from './inventory-helpers.js';
import { sampleDevice } from './export-helpers.js';

// Offline bundles (scan --out, import) on both stores, and the streamed exports' bytes.

async function writeBundle(path: string, site: string, observations: Observation[]): Promise<void> {
  const sink = bundleSink(path);
  await sink.begin({ id: `bundle-scan-${site}`, site, agent: 'offline', startedAt: '2026-01-01T00:00:00.000Z', scope: { cidrs: ['10.9.0.0/24'] }, channels: ['sadp'] });
  for (const observation of observations) await sink.observation(observation);
  await sink.finish({ status: 'finished' });
}

describe.each(storeKinds('fleet-bundle'))('offline bundles (%s store)', (kind) => {
  let temp: TempInventory;
  let directory: string;
  afterEach(async () => {
    await temp.cleanup();
    rmSync(directory, { recursive: true, force: true });
  });

  it('a bundle imported twice stores its observations once; another site is refused', async () => {
    temp = await tempInventory(kind, 'camaudit-bundle-');
    directory = mkdtempSync(join(tmpdir(), 'camaudit-bundle-file-'));
    const file = join(directory, 'island.jsonl.gz');
    const observations = [...camera('island', '10.9.0.5', 'aa:bb:cc:09:00:05', 'SERIALI5'), ...printer('island', '10.9.0.6')];
    await writeBundle(file, 'island', observations);
    const lines = gunzipSync(readFileSync(file)).toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(observations.length + 2);

    const first = await importBundle(file, { inventory: temp.inventory, site: 'island' });
    expect(first).toMatchObject({ observations: 3, stored: 3, duplicates: 0, scanStatus: 'finished' });
    const second = await importBundle(file, { inventory: temp.inventory, site: 'island' });
    expect(second).toMatchObject({ observations: 3, stored: 0, duplicates: 3, scanStatus: 'finished' });
    expect((await temp.inventory.listDevices({ site: 'island' })).total).toBe(2);
    expect((await temp.inventory.getScan('bundle-scan-island'))!.counts.observations).toBe(3);

    await expect(importBundle(file, { inventory: temp.inventory, site: 'mainland' })).rejects.toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_BAD_USAGE' }));
  });

  it('a bundle made without --site takes the site given at import, the same way twice; a cut bundle imports as interrupted', async () => {
    temp = await tempInventory(kind, 'camaudit-bundle-');
    directory = mkdtempSync(join(tmpdir(), 'camaudit-bundle-file-'));
    const file = join(directory, 'default.jsonl.gz');
    await writeBundle(file, 'default', [...camera('default', '10.9.0.7', 'aa:bb:cc:09:00:07', 'SERIALI7'), ...printer('default', '10.9.0.8')]);
    // Cut short, as a copy that broke off: the finish line and the last observation are lost.
    const whole = gunzipSync(readFileSync(file));
    const cut = whole.subarray(0, whole.lastIndexOf('{"observation"'));
    writeFileSync(file, gzipSync(cut).subarray(0, -8));
    const first = await importBundle(file, { inventory: temp.inventory, site: 'harbour' });
    expect(first).toMatchObject({ stored: 2, scanStatus: 'interrupted' });
    expect((await importBundle(file, { inventory: temp.inventory, site: 'harbour' })).stored).toBe(0);
    expect((await temp.inventory.listDevices({ site: 'harbour' })).items.map((device) => device.ip)).toEqual(['10.9.0.7']);

    const broken = join(directory, 'broken.jsonl.gz');
    writeFileSync(broken, gzipSync('{"camauditBundle":1,"scan":{"id":"x","site":"harbour"}}\nnot json\n'));
    await expect(importBundle(broken, { inventory: temp.inventory, site: 'harbour' })).rejects.toThrow(/line 2/);
  });
});

describe('streamed exports', () => {
  async function collect(chunks: AsyncIterable<string>): Promise<string> {
    let text = '';
    for await (const chunk of chunks) text += chunk;
    return text;
  }
  async function* from(devices: InventoryDevice[]): AsyncGenerator<InventoryDevice> {
    yield* devices;
  }

  it('write the same bytes as the in-memory exports', async () => {
    const devices = [sampleDevice(), sampleDevice({ id: 'device-2', ip: '10.0.0.2', notes: 'line\nbreak' })];
    expect(await collect(streamJson(from(devices)))).toBe(devicesToJson(devices));
    expect(await collect(streamJson(from([])))).toBe(devicesToJson([]));
    expect(await collect(streamJsonLines(from(devices)))).toBe(devicesToJsonLines(devices));
  });
});
