// Shared by the inventory, API and export unit tests: temp databases (a SQLite file, or a fresh PostgreSQL database), observations, and a tiny explicit identify
// double. The double is NOT the matcher (src/match); end-to-end tests use the real one.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import type { Identification, Observation } from '../../src/model.js';
import { createObservation, type ObservationInput } from '../../src/observation.js';
import { openInventory, type Inventory, type InventoryOptions } from '../../src/inventory/index.js';
import { emptyIdentification } from '../../src/inventory/rows.js';
import { isPostgresUrl, openPostgres } from '../../src/inventory/postgres.js';
import type { SqlRunner } from '../../src/inventory/sql.js';
import { openSqlite } from '../../src/inventory/sqlite.js';
import { cloudFlag } from '../../src/match/cloud.js';

export const silentLog = pino({ level: 'silent' });

/** Vendor from SADP (Hikvision) or DHIP (Dahua); model from SADP/DHIP or an HTTP title; firmware from SADP/DHIP. */
export function identifyDouble(observations: Observation[]): Identification {
  const identification: Identification = emptyIdentification();
  for (const observation of observations) {
    if (observation.sadp) {
      identification.vendor = 'Hikvision';
      identification.brand = observation.sadp.OEMInfo ?? 'Hikvision';
      identification.model = observation.sadp.DeviceDescription ?? identification.model;
      if (observation.sadp.SoftwareVersion) identification.firmware = { raw: observation.sadp.SoftwareVersion };
      identification.deviceClass = 'camera';
      identification.covered = true;
      identification.coveredReason = 'Hikvision hardware (test double)';
      identification.confidence = 0.9;
      identification.evidence.push({
        ruleId: 'double-sadp',
        field: 'sadp.DeviceDescription',
        value: observation.sadp.DeviceDescription ?? '',
        params: { 'hw.vendor': 'Hikvision' },
        confidence: 0.9,
        source: 'sadp',
        observationId: observation.id,
      });
    }
    if (observation.dhip) {
      identification.vendor = 'Dahua';
      identification.brand = typeof observation.dhip.Vendor === 'string' ? observation.dhip.Vendor : 'Dahua';
      if (typeof observation.dhip.DeviceType === 'string') identification.model = observation.dhip.DeviceType;
      if (typeof observation.dhip.Version === 'string') identification.firmware = { raw: observation.dhip.Version };
      identification.covered = true;
      identification.coveredReason = 'Dahua hardware (test double)';
      identification.confidence = 0.9;
      identification.advisories.push({ id: 'TEST-ADV-1', title: 'test advisory', reason: 'double', references: [] });
    }
    if (observation.http?.title && identification.model === null) identification.model = observation.http.title;
  }
  // The cloud flag as the matcher sets it (src/match/cloud.ts reads only the fields that state the setting).
  const cloud = cloudFlag(observations);
  if (cloud.state !== 'unknown') identification.cloud = cloud;
  return identification;
}

export type StoreKind = 'sqlite' | 'postgres';

/**
 * The stores the shared inventory tests run against. PostgreSQL needs a server: CAMAUDIT_TEST_PG_URL (set by .ci/run,
 * which starts one from Debian's packages). Off CI without it the PostgreSQL half is skipped with a loud line; in CI
 * it always runs, so a missing server fails there instead of passing silently (as test/lab/gate.ts does for the lab).
 */
export function storeKinds(suite: string): StoreKind[] {
  const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
  if (pgTestUrl() !== undefined || inCi) return ['sqlite', 'postgres'];
  process.stderr.write(`\n!!! ${suite}: POSTGRESQL TESTS SKIPPED: CAMAUDIT_TEST_PG_URL is not set (scripts/pg-test-server.sh start DIR prints one)\n\n`);
  return ['sqlite'];
}

export function pgTestUrl(): string | undefined {
  const url = process.env.CAMAUDIT_TEST_PG_URL;
  return url === undefined || url === '' ? undefined : url;
}

/** A fresh, empty PostgreSQL database on the test server; `drop` removes it (and ends its connections). */
export async function tempPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = pgTestUrl();
  if (base === undefined) throw new Error('CAMAUDIT_TEST_PG_URL is not set: start a server with scripts/pg-test-server.sh');
  const name = `camaudit_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface TempInventory {
  kind: StoreKind;
  inventory: Inventory;
  /** The SQLite file, or the PostgreSQL URL. */
  path: string;
  directory: string;
  reopen(): Promise<Inventory>;
  cleanup(): Promise<void>;
}

export async function tempInventory(kind: StoreKind = 'sqlite', prefix = 'camaudit-inventory-', options: Partial<InventoryOptions> = {}): Promise<TempInventory> {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  const database = kind === 'postgres' ? await tempPostgresDatabase() : undefined;
  const path = database?.url ?? join(directory, 'inventory.sqlite');
  const open = (): Promise<Inventory> => openInventory(path, { identify: identifyDouble, log: silentLog, ...options });
  const state: TempInventory = {
    kind,
    inventory: await open(),
    path,
    directory,
    async reopen() {
      await state.inventory.close();
      state.inventory = await open();
      return state.inventory;
    },
    async cleanup() {
      try {
        await state.inventory.close();
      } catch {
        // Already closed by the test.
      }
      await database?.drop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
  return state;
}

let clock = Date.parse('2025-01-01T00:00:00Z');

/** An observation with a strictly increasing time, as a discovery module would make it. */
export function observation(input: ObservationInput, site = 'hq', agent = 'agent-1'): Observation {
  clock += 1000;
  return createObservation(input, { site, agent, now: () => new Date(clock) });
}

export async function scanWith(inventory: Inventory, observations: Observation[], site = 'hq') {
  const scanId = await inventory.beginScan({ site, agent: 'agent-1', scope: { cidrs: ['10.0.0.0/24'] }, channels: ['banner', 'sadp', 'neighbour'] });
  for (const entry of observations) await inventory.recordObservation(scanId, entry);
  const finished = await inventory.finishScan(scanId, { status: 'finished' });
  // The counts are computed apart from the lists (a batch's or an import's merge keeps no list of its devices):
  // every scan a test makes checks that they agree.
  expect(finished.counts).toMatchObject({ devices: finished.deviceIds.length, newDevices: finished.newDeviceIds.length, alerts: finished.alertDeviceIds.length });
  return finished;
}

export const http = (ip: string, title: string, port = 80): ObservationInput => ({ source: 'http', ip, port, http: { headers: { server: 'test' }, title } });
export const neighbour = (ip: string, mac: string): ObservationInput => ({ source: 'neighbour', ip, mac, neighbour: { state: 'REACHABLE' } });
export const sadp = (ip: string, mac: string, serial: string, model: string, firmware = 'V5.5.0 build 170725'): ObservationInput => ({
  source: 'sadp',
  ip,
  mac,
  sadp: { MAC: mac.replace(/:/g, '-'), DeviceSN: serial, DeviceDescription: model, SoftwareVersion: firmware },
});
export const wsd = (ip: string, endpoint: string): ObservationInput => ({
  source: 'wsdiscovery',
  ip,
  wsdiscovery: { endpoint, types: ['dn:NetworkVideoTransmitter'], scopes: [], xaddrs: [`http://${ip}/onvif/device_service`] },
});
export const onvif = (ip: string, serial: string, model: string): ObservationInput => ({
  source: 'onvif',
  ip,
  port: 80,
  onvif: { deviceInformation: { Manufacturer: 'X', Model: model, SerialNumber: serial, FirmwareVersion: '1.0' } },
});

/** Runs `work` on a temp inventory's database through a second connection, as another process would. */
export async function withRawDatabase<T>(location: string, work: (db: SqlRunner) => Promise<T>): Promise<T> {
  const db = isPostgresUrl(location) ? await openPostgres(location) : openSqlite(location, { busyTimeoutMs: 5000 });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}
