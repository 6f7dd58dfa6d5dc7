import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../src/api/index.js';
import { createPusher } from '../../src/fleet/push.js';
import { spoolSink } from '../../src/fleet/sink.js';
import { openSpool } from '../../src/fleet/spool.js';
import type { Inventory } from '../../src/inventory/index.js';
import { batchOf, camera, printer } from './fleet-helpers.js';
import { silentLog, storeKinds, tempInventory, type TempInventory } from './inventory-helpers.js';

// The agent side against a real central server on loopback: batches wait in the spool while the server is down,
// go when it is up, and a server stopped in the middle of a push and started again ends with every observation
// stored exactly once.

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Observations stored for the site's scans, by id (sightings are keyed by scan and observation id), and its devices. */
async function stored(inventory: Inventory, site: string): Promise<{ ids: number; devices: number }> {
  const ids = new Set<string>();
  const devices = (await inventory.listDevices({ site }, { limit: 1000 })).items;
  for (const device of devices) for (const observation of (await inventory.getDeviceDetail(device.id))!.observations) ids.add(observation.id);
  return { ids: ids.size, devices: devices.length };
}

describe('spool', () => {
  let directory: string;
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('keeps batches in order across a reopen, and drops the oldest when it would grow past its bound', () => {
    directory = mkdtempSync(join(tmpdir(), 'camaudit-spool-'));
    const spool = openSpool({ directory, maxBytes: 1_000_000, log: silentLog });
    const first = batchOf('s', printer('s', '10.0.0.1'));
    const second = batchOf('s', printer('s', '10.0.0.2'));
    spool.append(first);
    spool.append(second);
    const reopened = openSpool({ directory, maxBytes: 1_000_000, log: silentLog });
    expect(reopened.oldest()!.batch.scan.id).toBe(first.scan.id);
    reopened.remove(reopened.oldest()!);
    expect(reopened.oldest()!.batch.scan.id).toBe(second.scan.id);

    const oneBatch = Buffer.byteLength(JSON.stringify(first));
    const small = openSpool({ directory, maxBytes: oneBatch * 2 + 10, log: silentLog });
    small.append(batchOf('s', printer('s', '10.0.0.3')));
    small.append(batchOf('s', printer('s', '10.0.0.4')));
    expect(small.pending().batches).toBe(2);
    expect(small.pending().bytes).toBeLessThanOrEqual(oneBatch * 2 + 10);
    expect(small.oldest()!.batch.observations[0]!.ip).toBe('10.0.0.3');
  });
});

describe.each(storeKinds('fleet-push'))('push to a central server (%s store)', (kind) => {
  let temp: TempInventory;
  let directory: string;
  afterEach(async () => {
    await temp.cleanup();
    rmSync(directory, { recursive: true, force: true });
  });

  it('spools while the server is down, sends when it is up; a server killed mid-push stores every observation exactly once', async () => {
    temp = await tempInventory(kind, 'camaudit-push-');
    directory = mkdtempSync(join(tmpdir(), 'camaudit-push-spool-'));
    const { token } = await temp.inventory.createToken({ role: 'agent', site: 'east' });
    const port = await freePort();
    const spool = openSpool({ directory, maxBytes: 64 * 1024 * 1024, log: silentLog });
    const pusher = createPusher({ serverUrl: `http://127.0.0.1:${port}`, token, spool, log: silentLog, backoffInitialMs: 20, backoffMaxMs: 100, requestTimeoutMs: 5000 });

    // A scan of 60 cameras cut into batches of 25 by the same sink `scan --push` uses.
    const sink = spoolSink({ spool, batchObservations: 25 });
    await sink.begin({ id: 'scan-east-1', site: 'east', agent: 'agent-east', startedAt: new Date().toISOString(), scope: {}, channels: ['sadp'] });
    const observations = Array.from({ length: 60 }, (_, index) => camera('east', `10.2.0.${index + 1}`, `aa:bb:cc:02:00:${(index + 1).toString(16).padStart(2, '0')}`, `SERIALE${index + 1}`)).flat();
    for (const observation of observations) await sink.observation(observation);
    await sink.finish({ status: 'finished' });
    const batches = spool.pending().batches;
    // Full batches as the scan goes, then the rest with `finish`.
    expect(batches).toBe(Math.floor(observations.length / 25) + 1);

    // Server down: nothing is lost, everything stays spooled.
    const down = await pusher.drain({ deadline: Date.now() + 300 });
    expect(down).toMatchObject({ sent: 0, remaining: batches });

    // Server up, then stopped once two batches have been acknowledged, while the agent goes on pushing.
    const first = await startServer({ inventory: temp.inventory, log: silentLog, host: '127.0.0.1', port });
    const pushing = pusher.drain({ deadline: Date.now() + 3000 });
    while (spool.pending().batches > batches - 2) await new Promise((resolve) => setTimeout(resolve, 2));
    await first.app.close();
    const partial = await pushing;
    expect(partial.sent).toBeGreaterThanOrEqual(2);
    expect(partial.remaining).toBeGreaterThan(0);

    const second = await startServer({ inventory: temp.inventory, log: silentLog, host: '127.0.0.1', port });
    try {
      const rest = await pusher.drain({ deadline: Date.now() + 20_000 });
      expect(rest.remaining).toBe(0);
    } finally {
      await second.app.close();
    }
    expect(readdirSync(directory).filter((name) => name.endsWith('.json'))).toEqual([]);
    const scan = (await temp.inventory.getScan('scan-east-1'))!;
    expect(scan.status).toBe('finished');
    const uniqueIds = new Set(observations.map((observation) => observation.id)).size;
    expect(await stored(temp.inventory, 'east')).toEqual({ ids: uniqueIds, devices: 60 });
    expect(scan.counts.observations).toBe(uniqueIds);
    // Sending the whole scan again (an agent that lost its spool acknowledgements) stores nothing new.
    const again = await temp.inventory.ingestBatch(batchOf('east', observations.slice(0, 50), { scanId: 'scan-east-1' }));
    expect(again).toMatchObject({ stored: 0, duplicates: 50 });
  });
});
