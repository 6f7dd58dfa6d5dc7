import type Database from 'better-sqlite3';

// Every statement the inventory writes with, prepared once per connection.
export function prepareStatements(db: Database.Database) {
  return {
    insertScan: db.prepare(
      `INSERT INTO scans (id, site, agent, scope, channels, started_at, finished_at, status, counts, errors, runner)
       VALUES (@id, @site, @agent, @scope, @channels, @started_at, NULL, 'running', '{}', '[]', @runner)`,
    ),
    selectScan: db.prepare('SELECT * FROM scans WHERE id = ?'),
    finishScan: db.prepare('UPDATE scans SET status = @status, finished_at = @finished_at, counts = @counts, errors = @errors WHERE id = @id'),
    runningScans: db.prepare("SELECT * FROM scans WHERE status = 'running' ORDER BY started_at"),
    insertObservation: db.prepare(
      `INSERT INTO observations (id, scan_id, site, agent, source, ip, port, mac, observed_at, raw)
       VALUES (@id, @scan_id, @site, @agent, @source, @ip, @port, @mac, @observed_at, @raw)
       ON CONFLICT (id) DO NOTHING`,
    ),
    insertSighting: db.prepare(
      `INSERT INTO observation_sightings (scan_id, observation_id, agent, observed_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (scan_id, observation_id) DO NOTHING`,
    ),
    scanObservations: db.prepare(
      `SELECT o.raw AS raw, s.agent AS agent, s.observed_at AS observed_at FROM observation_sightings s
       JOIN observations o ON o.id = s.observation_id WHERE s.scan_id = ? ORDER BY s.observed_at, o.id`,
    ),
    selectDevice: db.prepare('SELECT * FROM devices WHERE id = ?'),
    selectKey: db.prepare('SELECT device_id FROM device_keys WHERE kind = ? AND value = ?'),
    selectKeysOfDevice: db.prepare('SELECT kind, value FROM device_keys WHERE device_id = ?'),
    insertKey: db.prepare('INSERT INTO device_keys (kind, value, device_id) VALUES (?, ?, ?) ON CONFLICT (kind, value) DO NOTHING'),
    devicesAtAddress: db.prepare('SELECT id FROM devices WHERE origin_site = ? AND ip = ? ORDER BY last_seen DESC'),
    insertDevice: db.prepare(
      `INSERT INTO devices (id, site, origin_site, agent, ip, mac, serial, endpoint, addresses, ports, sources, first_seen,
         last_seen, identification, vendor, brand, model, firmware, device_class, covered, confidence, status,
         status_reason, location, owner, notes, alert, alert_at, updated_at)
       VALUES (@id, @site, @origin_site, @agent, @ip, @mac, @serial, @endpoint, @addresses, @ports, @sources, @first_seen,
         @last_seen, @identification, @vendor, @brand, @model, @firmware, @device_class, @covered, @confidence, @status,
         @status_reason, @location, @owner, @notes, @alert, @alert_at, @updated_at)`,
    ),
    updateDeviceSeen: db.prepare(
      `UPDATE devices SET agent = @agent, ip = @ip, mac = @mac, serial = @serial, endpoint = @endpoint,
         addresses = @addresses, ports = @ports, sources = @sources, first_seen = @first_seen, last_seen = @last_seen,
         identification = @identification, vendor = @vendor, brand = @brand, model = @model, firmware = @firmware,
         device_class = @device_class, covered = @covered, confidence = @confidence, alert = @alert, alert_at = @alert_at,
         updated_at = @updated_at
       WHERE id = @id`,
    ),
    updateDeviceUser: db.prepare(
      `UPDATE devices SET site = @site, location = @location, owner = @owner, notes = @notes, status = @status,
         status_reason = @status_reason, alert = @alert, alert_at = @alert_at, updated_at = @updated_at WHERE id = @id`,
    ),
    linkObservation: db.prepare(
      'INSERT INTO device_observations (device_id, observation_id) VALUES (?, ?) ON CONFLICT (device_id, observation_id) DO NOTHING',
    ),
    upsertDeviceScan: db.prepare(
      `INSERT INTO device_scans (device_id, scan_id, ip, mac, vendor, brand, model, firmware, seen_at)
       VALUES (@device_id, @scan_id, @ip, @mac, @vendor, @brand, @model, @firmware, @seen_at)
       ON CONFLICT (device_id, scan_id) DO UPDATE SET ip = excluded.ip, mac = excluded.mac, vendor = excluded.vendor,
         brand = excluded.brand, model = excluded.model, firmware = excluded.firmware, seen_at = excluded.seen_at`,
    ),
    recentSightingsOfDevice: db.prepare(
      `SELECT o.raw AS raw, o.source AS source, s.scan_id AS scan_id, s.agent AS agent, s.observed_at AS observed_at
       FROM device_observations d
       JOIN observations o ON o.id = d.observation_id
       JOIN observation_sightings s ON s.observation_id = o.id
       WHERE d.device_id = ? ORDER BY s.observed_at DESC, o.id LIMIT ?`,
    ),
    insertHistory: db.prepare(
      `INSERT INTO device_history (id, device_id, scan_id, at, kind, field, old_value, new_value)
       VALUES (@id, @device_id, @scan_id, @at, @kind, @field, @old_value, @new_value)`,
    ),
    moveKeys: db.prepare('UPDATE device_keys SET device_id = ? WHERE device_id = ?'),
    copyDeviceObservations: db.prepare(
      `INSERT INTO device_observations (device_id, observation_id) SELECT ?, observation_id FROM device_observations
       WHERE device_id = ? ON CONFLICT (device_id, observation_id) DO NOTHING`,
    ),
    copyDeviceScans: db.prepare(
      `INSERT INTO device_scans (device_id, scan_id, ip, mac, vendor, brand, model, firmware, seen_at)
       SELECT ?, scan_id, ip, mac, vendor, brand, model, firmware, seen_at FROM device_scans WHERE device_id = ?
       ON CONFLICT (device_id, scan_id) DO NOTHING`,
    ),
    moveHistory: db.prepare('UPDATE device_history SET device_id = ? WHERE device_id = ?'),
    deleteDevice: db.prepare('DELETE FROM devices WHERE id = ?'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
