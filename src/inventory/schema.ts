import Database from 'better-sqlite3';
import { CamauditError } from '../errors.js';

// The schema stays portable to PostgreSQL for a later central store: text ids, ISO text timestamps, JSON as text,
// ON CONFLICT upserts, no AUTOINCREMENT or rowid tricks, and site + agent on every record.
// Each migration runs once, in order, inside a transaction; `user_version` holds how many have run.
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE scans (
    id TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    agent TEXT NOT NULL,
    scope TEXT NOT NULL,
    channels TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
    counts TEXT NOT NULL,
    errors TEXT NOT NULL,
    runner TEXT NOT NULL
  );
  CREATE INDEX scans_site_started ON scans (site, started_at);
  CREATE INDEX scans_status ON scans (status);

  CREATE TABLE observations (
    id TEXT PRIMARY KEY,
    scan_id TEXT NOT NULL REFERENCES scans (id),
    site TEXT NOT NULL,
    agent TEXT NOT NULL,
    source TEXT NOT NULL,
    ip TEXT NOT NULL,
    port INTEGER,
    mac TEXT,
    observed_at TEXT NOT NULL,
    raw TEXT NOT NULL
  );
  CREATE INDEX observations_site_ip ON observations (site, ip);

  CREATE TABLE observation_sightings (
    scan_id TEXT NOT NULL REFERENCES scans (id),
    observation_id TEXT NOT NULL REFERENCES observations (id),
    agent TEXT NOT NULL,
    observed_at TEXT NOT NULL,
    PRIMARY KEY (scan_id, observation_id)
  );
  CREATE INDEX observation_sightings_observation ON observation_sightings (observation_id);

  CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    origin_site TEXT NOT NULL,
    agent TEXT NOT NULL,
    ip TEXT NOT NULL,
    mac TEXT,
    serial TEXT,
    endpoint TEXT,
    addresses TEXT NOT NULL,
    ports TEXT NOT NULL,
    sources TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    identification TEXT NOT NULL,
    vendor TEXT,
    brand TEXT,
    model TEXT,
    firmware TEXT,
    device_class TEXT NOT NULL,
    covered INTEGER NOT NULL,
    confidence REAL NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('found', 'planned', 'replaced', 'removed', 'exempt')),
    status_reason TEXT,
    location TEXT,
    owner TEXT,
    notes TEXT,
    alert TEXT,
    alert_at TEXT,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX devices_origin_ip ON devices (origin_site, ip);
  CREATE INDEX devices_last_seen ON devices (last_seen);
  CREATE INDEX devices_vendor ON devices (vendor);

  CREATE TABLE device_keys (
    kind TEXT NOT NULL CHECK (kind IN ('mac', 'serial', 'endpoint')),
    value TEXT NOT NULL,
    device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, value)
  );
  CREATE INDEX device_keys_device ON device_keys (device_id);

  CREATE TABLE device_observations (
    device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    observation_id TEXT NOT NULL REFERENCES observations (id),
    PRIMARY KEY (device_id, observation_id)
  );
  CREATE INDEX device_observations_observation ON device_observations (observation_id);

  CREATE TABLE device_scans (
    device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    scan_id TEXT NOT NULL REFERENCES scans (id),
    ip TEXT NOT NULL,
    mac TEXT,
    vendor TEXT,
    brand TEXT,
    model TEXT,
    firmware TEXT,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (device_id, scan_id)
  );
  CREATE INDEX device_scans_scan ON device_scans (scan_id);

  CREATE TABLE device_history (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    scan_id TEXT REFERENCES scans (id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    field TEXT,
    old_value TEXT,
    new_value TEXT
  );
  CREATE INDEX device_history_device ON device_history (device_id, at);
  `,
  // 2: device pages are ordered by (last_seen DESC, id); without a matching index SQLite sorts every device per page.
  `
  CREATE INDEX devices_last_seen_id ON devices (last_seen DESC, id);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export interface DatabaseOptions {
  busyTimeoutMs: number;
}

/** Opens (creating if needed) the inventory file with the pragmas crash safety relies on, and migrates it. */
export function openDatabase(path: string, options: DatabaseOptions): Database.Database {
  let database: Database.Database;
  try {
    database = new Database(path, { timeout: options.busyTimeoutMs });
    // WAL + synchronous NORMAL: a committed transaction survives the process being killed (not a power cut,
    // which would need FULL); readers (the API) never block the scan writing.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
  } catch (error) {
    throw new CamauditError('CAMAUDIT_ERR_DB', `cannot open the inventory at ${path}: ${(error as Error).message}`, { cause: error });
  }
  migrate(database, path);
  return database;
}

function migrate(database: Database.Database, path: string): void {
  const current = Number(database.pragma('user_version', { simple: true }));
  if (current > MIGRATIONS.length) {
    database.close();
    throw new CamauditError('CAMAUDIT_ERR_DB', `the inventory at ${path} has schema version ${current}, newer than this camaudit (${MIGRATIONS.length})`);
  }
  for (let version = current; version < MIGRATIONS.length; version += 1) {
    const apply = database.transaction(() => {
      database.exec(MIGRATIONS[version]!);
      database.pragma(`user_version = ${version + 1}`);
    });
    apply.immediate();
  }
}
