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
import type { ObservationInput } from '../../src/observation.js';
import { http, identifyDouble, observation, sadp, scanWith, silentLog, storeKinds, tempInventory, type TempInventory } from './inventory-helpers.js';

// Many devices at one address, or on one NVR channel, in one scan (a lease history, an agent's push): the writer's
// last resort (the device that last used the address or channel) reads the devices there once per scan, not once
// per group, which made such a merge quadratic. What it decides is unchanged: the rest of the inventory suites hold that.

const ADDRESS = '10.0.0.9';
const DEVICES = 1500;

function macOf(index: number): string {
  return `aa:bb:cc:00:${((index >> 8) & 255).toString(16).padStart(2, '0')}:${(index & 255).toString(16).padStart(2, '0')}`;
}

describe.each(storeKinds('inventory-one-address'))('one address, many devices (%s)', (kind) => {
  let temp: TempInventory;
  afterEach(async () => temp?.cleanup());

  /**
   * Stores `earlier` in a first scan, then writes `DEVICES` observations of a second scan with the device writer
   * over a runner that counts the reads of `countedSql`; returns the outcomes, the reads and the stored device's id.
   */
  async function writeMany(earlier: ObservationInput, many: (index: number) => ObservationInput, countedSql: string) {
    await scanWith(temp.inventory, [observation(earlier)]);
    const [stored] = await temp.inventory.listAllDevices();
    const scanId = await temp.inventory.beginScan({ site: 'hq', agent: 'agent-1', scope: {}, channels: ['sadp'] });
    const observations: Observation[] = [];
    for (let index = 0; index < DEVICES; index += 1) observations.push(observation(many(index)));
    for (const entry of observations) await temp.inventory.recordObservation(scanId, entry);
    await temp.inventory.close();

    let reads = 0;
    const database = kind === 'postgres' ? await openPostgres(temp.path) : openSqlite(temp.path, { busyTimeoutMs: 5000 });
    const outcomes = await database
      .transaction(async (tx) => {
        const counting: SqlRunner = {
          dialect: tx.dialect,
          all: async <T>(sql: string, params?: readonly SqlValue[]) => {
            if (sql === countedSql) reads += 1;
            return tx.all<T>(sql, params);
          },
          get: (sql, params) => tx.get(sql, params),
          run: (sql, params) => tx.run(sql, params),
        };
        const writer = createDeviceWriter({ db: counting, identify: identifyDouble, log: silentLog, now: () => new Date().toISOString(), maxObservationsPerSource: 10 });
        const scan = (await tx.get<ScanRow>(SQL.selectScan, [scanId]))!;
        const groups = groupKeyedObservations(observations, observations.map(keysOfObservation));
        return writer.writeScanGroups(scan, groups, claimEvidenceOfKeyed(observations, observations.map(keysOfObservation)));
      })
      .finally(() => database.close());
    return { outcomes, reads, storedId: stored!.id };
  }

  it(`writes ${DEVICES} devices seen at one address with one read of the devices there`, async () => {
    temp = await tempInventory(kind);
    // The stored device (no keys) is the one an address-only group would be: the first group written takes it.
    const { outcomes, reads, storedId } = await writeMany(http(ADDRESS, 'earlier'), (index) => sadp(ADDRESS, macOf(index), `SERIAL${String(index).padStart(6, '0')}`, 'DS-2CD2320D-I'), SQL.devicesAtAddress);
    // Each MAC and serial its own device; the stored one is the first group's, as the last resort says.
    expect(outcomes).toHaveLength(DEVICES);
    expect(new Set(outcomes.map((outcome) => outcome.deviceId)).size).toBe(DEVICES);
    expect(outcomes.filter((outcome) => !outcome.created).map((outcome) => outcome.deviceId)).toEqual([storedId]);
    expect(reads).toBe(1);
  });

  it(`writes ${DEVICES} cameras listed on one NVR channel with one read of the devices there`, async () => {
    temp = await tempInventory(kind);
    // One channel's cameras of one scan are one device unless they carry different MACs (merge.ts, rule 3).
    const camera = (serial?: string, mac?: string): ObservationInput => ({
      source: 'isapi',
      ip: '192.168.254.2',
      ...(mac === undefined ? {} : { mac }),
      isapi: { channel: { id: '1', ipAddress: '192.168.254.2', deviceTypeName: 'DS-2CD2143G2-I', ...(serial === undefined ? {} : { serialNumber: serial }) } },
      via: { ip: '10.0.0.20', port: 80, channel: 1 },
    });
    const { outcomes, reads, storedId } = await writeMany(camera(), (index) => camera(`SERIAL${String(index).padStart(6, '0')}`, macOf(index)), SQL.devicesAtChannel);
    expect(outcomes).toHaveLength(DEVICES);
    expect(new Set(outcomes.map((outcome) => outcome.deviceId)).size).toBe(DEVICES);
    expect(outcomes.filter((outcome) => !outcome.created).map((outcome) => outcome.deviceId)).toEqual([storedId]);
    expect(reads).toBe(1);
  });
});
