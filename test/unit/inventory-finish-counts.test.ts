import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/inventory/index.js';
import type { Observation } from '../../src/model.js';
import type { ObservationInput } from '../../src/observation.js';
import { http, neighbour, observation, onvif, sadp, scanWith, tempInventory, wsd, type TempInventory } from './inventory-helpers.js';

// A scan's caller gets the lists of its devices and counts them; a batch's or an import's caller gets the counts
// only, from a merge that keeps no list of the devices it wrote, each part of a large scan with its own set of
// claimed devices (store.ts, finish). Both must count the same: here the same generated scans go into one inventory
// through finishScan, merged whole, and into another through ingestBatch, merged in parts of one observation.

const ADDRESSES = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '192.0.0.64'];
const MACS = ['aa:bb:cc:00:00:01', 'aa:bb:cc:00:00:02', 'aa:bb:cc:00:00:03'];
const SERIALS = ['SERIAL-0001', 'SERIAL-0002'];
const ENDPOINTS = ['urn:uuid:0001', 'urn:uuid:0002'];

const sighting: fc.Arbitrary<ObservationInput> = fc.oneof(
  fc.tuple(fc.constantFrom(...ADDRESSES), fc.constantFrom(...MACS)).map(([ip, mac]) => neighbour(ip, mac)),
  fc.tuple(fc.constantFrom(...ADDRESSES), fc.constantFrom(...MACS), fc.constantFrom(...SERIALS)).map(([ip, mac, serial]) => sadp(ip, mac, serial, 'DS-2CD2042WD-I')),
  fc.tuple(fc.constantFrom(...ADDRESSES), fc.constantFrom(...SERIALS)).map(([ip, serial]) => onvif(ip, serial, 'DS-2CD2042WD-I')),
  fc.tuple(fc.constantFrom(...ADDRESSES), fc.constantFrom(...ENDPOINTS)).map(([ip, endpoint]) => wsd(ip, endpoint)),
  fc.constantFrom(...ADDRESSES).map((ip) => http(ip, 'camera')),
);

/** Scans of sightings, and after each the address whose devices the user then marks replaced (or none). */
const history = fc.array(fc.record({ sightings: fc.array(sighting, { minLength: 1, maxLength: 10 }), replaced: fc.option(fc.constantFrom(...ADDRESSES), { nil: undefined }) }), {
  minLength: 1,
  maxLength: 3,
});

const COUNTED = ['devices', 'newDevices', 'covered', 'alerts', 'observations'] as const;

function counted(counts: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(COUNTED.map((name) => [name, counts[name]]));
}

async function markReplaced(inventory: Inventory, address: string): Promise<void> {
  for (const device of await inventory.listAllDevices()) if (device.ip === address) await inventory.updateDevice(device.id, { status: 'replaced' });
}

let temps: TempInventory[] = [];
afterEach(async () => {
  for (const temp of temps) await temp.cleanup();
  temps = [];
});

describe('the counts of a finished scan', () => {
  it('are the same from a batch merged in parts as from a scan merged whole with its lists', async () => {
    await fc.assert(
      fc.asyncProperty(history, async (scans) => {
        const whole = await tempInventory('sqlite', 'camaudit-counts-');
        const parts = await tempInventory('sqlite', 'camaudit-counts-', { mergePartObservations: 1 });
        temps.push(whole, parts);
        for (const [index, { sightings, replaced }] of scans.entries()) {
          const observations: Observation[] = sightings.map((input) => observation(input));
          // scanWith also checks the lists' lengths against the counts.
          const listed = await scanWith(whole.inventory, observations);
          const scan = { id: `batch-${index}`, startedAt: '2026-12-04T00:00:00.000Z', scope: {}, channels: ['push'] };
          const pushed = await parts.inventory.ingestBatch({ site: 'hq', agent: 'agent-1', scan, observations, finish: { status: 'finished' } });
          expect(pushed.scanStatus).toBe('finished');
          const stored = (await parts.inventory.getScan(scan.id))!;
          expect(counted(stored.counts)).toEqual(counted(listed.counts));
          if (replaced !== undefined) {
            await markReplaced(whole.inventory, replaced);
            await markReplaced(parts.inventory, replaced);
          }
        }
        await whole.cleanup();
        await parts.cleanup();
        temps = [];
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
