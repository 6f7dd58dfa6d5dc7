import { afterEach, describe, expect, it } from 'vitest';
import { createDeviceWriter } from '../../src/inventory/device-writer.js';
import { keysOfObservation } from '../../src/inventory/keys.js';
import { claimEvidenceOfKeyed, groupKeyedObservations } from '../../src/inventory/merge.js';
import type { ScanRow } from '../../src/inventory/rows.js';
import { openPostgres } from '../../src/inventory/postgres.js';
import type { SqlRunner, SqlValue } from '../../src/inventory/sql.js';
import { openSqlite } from '../../src/inventory/sqlite.js';
import { SQL } from '../../src/inventory/statements.js';
import type { Observation } from '../../src/model.js';
import { http, identifyDouble, observation, sadp, scanWith, silentLog, storeKinds, tempInventory, type TempInventory } from './inventory-helpers.js';

// Many devices at one address in one scan (a lease history, an agent's push, cloned cameras behind one NAT): the
// writer's last resort (the device that last used the address) reads the devices there once per scan, not once per
// group, which made such a merge quadratic. What it decides is unchanged: the rest of the inventory suites hold that.

const ADDRESS = '10.0.0.9';
const DEVICES = 1500;

function macOf(index: number): string {
  return `aa:bb:cc:00:${((index >> 8) & 255).toString(16).padStart(2, '0')}:${(index & 255).toString(16).padStart(2, '0')}`;
}

describe.each(storeKinds('inventory-one-address'))('one address, many devices (%s)', (kind) => {
  let temp: TempInventory;
  afterEach(async () => temp?.cleanup());

  it(`writes ${DEVICES} devices seen at one address with one read of the devices there`, async () => {
    temp = await tempInventory(kind);
    // A device stored at the address by an earlier scan: the one an address-only group would be.
    await scanWith(temp.inventory, [observation(http(ADDRESS, 'earlier'))]);
    const [stored] = await temp.inventory.listAllDevices();
    const scanId = await temp.inventory.beginScan({ site: 'hq', agent: 'agent-1', scope: {}, channels: ['sadp'] });
    const observations: Observation[] = [];
    for (let index = 0; index < DEVICES; index += 1) observations.push(observation(sadp(ADDRESS, macOf(index), `SERIAL${String(index).padStart(6, '0')}`, 'DS-2CD2320D-I')));
    for (const entry of observations) await temp.inventory.recordObservation(scanId, entry);
    await temp.inventory.close();

    let addressReads = 0;
    const database = kind === 'postgres' ? await openPostgres(temp.path) : openSqlite(temp.path, { busyTimeoutMs: 5000 });
    const outcomes = await database
      .transaction(async (tx) => {
        const counting: SqlRunner = {
          dialect: tx.dialect,
          all: async <T>(sql: string, params?: readonly SqlValue[]) => {
            if (sql === SQL.devicesAtAddress) addressReads += 1;
            return tx.all<T>(sql, params);
          },
          get: (sql, params) => tx.get(sql, params),
          run: (sql, params) => tx.run(sql, params),
        };
        const writer = createDeviceWriter({ db: counting, identify: identifyDouble, log: silentLog, now: () => new Date().toISOString(), maxObservationsPerSource: 10 });
        const scan = (await tx.get<ScanRow>(SQL.selectScan, [scanId]))!;
        const keys = observations.map(keysOfObservation);
        const groups = groupKeyedObservations(observations, keys);
        return writer.writeScanGroups(scan, groups, claimEvidenceOfKeyed(observations, observations.map(keysOfObservation)));
      })
      .finally(() => database.close());
    // Each MAC and serial its own device; the stored one (no keys) is the first group's, as the last resort says.
    expect(outcomes).toHaveLength(DEVICES);
    expect(new Set(outcomes.map((outcome) => outcome.deviceId)).size).toBe(DEVICES);
    expect(outcomes.filter((outcome) => !outcome.created).map((outcome) => outcome.deviceId)).toEqual([stored!.id]);
    expect(addressReads).toBe(1);
  });
});
