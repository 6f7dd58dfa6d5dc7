import type { Dialect } from './sql.js';

// One list of migrations for both engines, in SQL they share: text ids, ISO text timestamps, JSON as text,
// ON CONFLICT upserts, no AUTOINCREMENT or rowid tricks, and site + agent on every record. What differs is the
// floating-point type and one generated column's expression (migrationSql). Each migration runs once, in order,
// inside a transaction; SQLite counts them in `user_version`, PostgreSQL in the table camaudit_schema. Add a
// change as a new entry, never by editing one that has shipped.
export const MIGRATIONS: readonly string[] = [
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
  // 3: fleet mode (issue 18). A device whose MAC or serial shows up at another site has moved: it keeps its id and
  // says where it came from. Sites remember their agents' last push; agent tokens are stored as hashes only.
  // Site-filtered pages and the per-site counts of GET /sites each get an index that answers them without a sort.
  `
  ALTER TABLE devices ADD COLUMN moved_from TEXT;
  ALTER TABLE devices ADD COLUMN moved_at TEXT;
  CREATE INDEX devices_site_last_seen_id ON devices (site, last_seen DESC, id);
  CREATE INDEX devices_site_status ON devices (site, status, covered);
  CREATE INDEX devices_site_ip ON devices (site, ip, id);

  CREATE TABLE sites (
    name TEXT PRIMARY KEY,
    agent TEXT,
    agent_version TEXT,
    last_push_at TEXT,
    scan_every_s INTEGER,
    first_seen TEXT NOT NULL
  );

  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
    site TEXT,
    label TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
  );
  `,
  // 4: cameras behind an NVR (the NVR's device id and address, and the channel) and the cloud (P2P) flag.
  `
  ALTER TABLE devices ADD COLUMN via_device_id TEXT;
  ALTER TABLE devices ADD COLUMN via_ip TEXT;
  ALTER TABLE devices ADD COLUMN via_channel INTEGER;
  ALTER TABLE devices ADD COLUMN cloud TEXT NOT NULL DEFAULT 'unknown' CHECK (cloud IN ('enabled', 'disabled', 'unknown'));
  CREATE INDEX devices_via_device ON devices (via_device_id);
  `,
  // 5: a running scan's writer renews heartbeat_at; a scan whose heartbeat is stale is no longer running, whatever
  // its PID (a PID is reused after a crash, and a reused one made the scan look alive forever).
  `
  ALTER TABLE scans ADD COLUMN heartbeat_at TEXT;
  `,
  // 6: the planning page (issue 17) sorts by any export column and filters by covered, status, site, vendor and brand
  // (case folded, as the filters compare them), alert and advisory at 100,000 devices. Each sortable column has an
  // index ending in id (the tie-break), so a page is read from an index, not a sort of every row; the overview's
  // counts come from one covering index, its progress chart from one over the status history. The number of
  // advisories is a generated column, computed from the identification by the database (so no writer has to keep
  // it), with its own index; its expression is the one part in each engine's words (ADVISORY_COUNT below).
  `
  CREATE INDEX devices_sort_site ON devices (site, id);
  CREATE INDEX devices_sort_location ON devices (location, id);
  CREATE INDEX devices_sort_ip ON devices (ip, id);
  CREATE INDEX devices_sort_mac ON devices (mac, id);
  CREATE INDEX devices_sort_vendor ON devices (vendor, id);
  CREATE INDEX devices_sort_brand ON devices (brand, id);
  CREATE INDEX devices_sort_model ON devices (model, id);
  CREATE INDEX devices_sort_firmware ON devices (firmware, id);
  CREATE INDEX devices_sort_serial ON devices (serial, id);
  CREATE INDEX devices_sort_confidence ON devices (confidence, id);
  CREATE INDEX devices_sort_first_seen ON devices (first_seen, id);
  CREATE INDEX devices_sort_last_seen ON devices (last_seen, id);
  CREATE INDEX devices_sort_status ON devices (status, id);
  CREATE INDEX devices_sort_owner ON devices (owner, id);
  CREATE INDEX devices_sort_covered ON devices (covered, id);
  CREATE INDEX devices_covered_last_seen ON devices (covered, last_seen, id);
  CREATE INDEX devices_covered_counts ON devices (covered, site, vendor, brand, status);
  CREATE INDEX devices_vendor_lower ON devices (LOWER(vendor), covered, id);
  CREATE INDEX devices_brand_lower ON devices (LOWER(brand), covered, id);
  CREATE INDEX devices_alert ON devices (alert_at, id) WHERE alert IS NOT NULL;
  ALTER TABLE devices ADD COLUMN advisory_count INTEGER GENERATED ALWAYS AS ADVISORY_COUNT;
  CREATE INDEX devices_advisory_count ON devices (advisory_count, id);
  CREATE INDEX device_history_progress ON device_history (at, id, device_id, kind, new_value) WHERE kind IN ('created', 'status');
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * The length of identification.advisories (null when it is not an array). SQLite adds a generated column only as
 * VIRTUAL (computed when read, from the row); PostgreSQL only as STORED (computed when written), over jsonb.
 */
const ADVISORY_COUNT: Readonly<Record<Dialect, string>> = {
  sqlite: "(CASE json_type(identification, '$.advisories') WHEN 'array' THEN json_array_length(identification, '$.advisories') END) VIRTUAL",
  postgres: "(CASE jsonb_typeof(identification::jsonb -> 'advisories') WHEN 'array' THEN jsonb_array_length(identification::jsonb -> 'advisories') END) STORED",
};

/** Migration `index` in the given engine's words. */
export function migrationSql(index: number, dialect: Dialect): string {
  const sql = MIGRATIONS[index]!.replace('ADVISORY_COUNT', ADVISORY_COUNT[dialect]);
  return dialect === 'postgres' ? sql.replace(/\bREAL\b/g, 'DOUBLE PRECISION') : sql;
}
