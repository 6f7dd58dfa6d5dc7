import type { Observation } from '../model.js';
import { insertSql, placeholders, type SqlValue } from './sql.js';

// Every statement the inventory writes with, as SQL both engines run (placeholders are `?`, see sql.ts).

export const DEVICE_COLUMNS = [
  'id', 'site', 'origin_site', 'agent', 'ip', 'mac', 'serial', 'endpoint', 'addresses', 'ports', 'sources', 'first_seen',
  'last_seen', 'identification', 'vendor', 'brand', 'model', 'firmware', 'device_class', 'covered', 'confidence', 'status',
  'status_reason', 'location', 'owner', 'notes', 'alert', 'alert_at', 'updated_at',
] as const;

/** Columns a scan writes (what was seen); the user's columns (site, location, …) are written by updateDeviceUser. */
export const DEVICE_SEEN_COLUMNS = [
  'agent', 'ip', 'mac', 'serial', 'endpoint', 'addresses', 'ports', 'sources', 'first_seen', 'last_seen', 'identification',
  'vendor', 'brand', 'model', 'firmware', 'device_class', 'covered', 'confidence', 'alert', 'alert_at', 'updated_at',
] as const;

export const DEVICE_USER_COLUMNS = ['site', 'location', 'owner', 'notes', 'status', 'status_reason', 'alert', 'alert_at', 'updated_at'] as const;

export const OBSERVATION_COLUMNS = ['id', 'scan_id', 'site', 'agent', 'source', 'ip', 'port', 'mac', 'observed_at', 'raw'] as const;
const SCAN_COLUMNS = ['id', 'site', 'agent', 'scope', 'channels', 'started_at', 'finished_at', 'status', 'counts', 'errors', 'runner', 'heartbeat_at'] as const;

function updateSql(table: string, columns: readonly string[]): string {
  return `UPDATE ${table} SET ${columns.map((column) => `${column} = ?`).join(', ')} WHERE id = ?`;
}

export const SQL = {
  insertScan: insertSql('scans', SCAN_COLUMNS, 'ON CONFLICT (id) DO NOTHING'),
  selectScan: 'SELECT * FROM scans WHERE id = ?',
  finishScan: 'UPDATE scans SET status = ?, finished_at = ?, counts = ?, errors = ? WHERE id = ?',
  renewHeartbeat: "UPDATE scans SET heartbeat_at = ? WHERE id = ? AND status = 'running'",
  runningScans: "SELECT * FROM scans WHERE status = 'running' ORDER BY started_at",
  insertObservation: insertSql('observations', OBSERVATION_COLUMNS, 'ON CONFLICT (id) DO NOTHING'),
  insertSighting: insertSql('observation_sightings', ['scan_id', 'observation_id', 'agent', 'observed_at'], 'ON CONFLICT (scan_id, observation_id) DO NOTHING'),
  scanObservations: `SELECT o.raw AS raw, s.agent AS agent, s.observed_at AS observed_at FROM observation_sightings s
       JOIN observations o ON o.id = s.observation_id WHERE s.scan_id = ? ORDER BY s.observed_at, o.id`,
  selectDevice: 'SELECT * FROM devices WHERE id = ?',
  anyDevice: 'SELECT 1 AS any FROM devices LIMIT 1',
  selectKey: 'SELECT device_id FROM device_keys WHERE kind = ? AND value = ?',
  selectKeysOfDevice: 'SELECT kind, value FROM device_keys WHERE device_id = ?',
  // The MAC an address table (neighbour table, DHCP lease) last showed for the device: where its interface answered.
  lastTableMacOfDevice: `SELECT o.mac AS mac FROM device_observations d JOIN observations o ON o.id = d.observation_id
       WHERE d.device_id = ? AND o.source IN ('neighbour', 'dhcp') AND o.mac IS NOT NULL ORDER BY o.observed_at DESC, o.id LIMIT 1`,
  deviceWasEdited: "SELECT 1 AS edited FROM device_history WHERE device_id = ? AND scan_id IS NULL AND kind IN ('edit', 'status') LIMIT 1",
  setDeviceAlert: 'UPDATE devices SET alert = ?, alert_at = ?, updated_at = ? WHERE id = ?',
  insertKey: 'INSERT INTO device_keys (kind, value, device_id) VALUES (?, ?, ?) ON CONFLICT (kind, value) DO NOTHING',
  // A camera behind an NVR is never found by address: its internal address may repeat on the LAN or on another NVR.
  devicesAtAddress: 'SELECT id FROM devices WHERE origin_site = ? AND ip = ? AND via_ip IS NULL ORDER BY last_seen DESC',
  devicesAtChannel: 'SELECT id FROM devices WHERE origin_site = ? AND via_ip = ? AND via_channel = ? ORDER BY last_seen DESC',
  updateDeviceVia: 'UPDATE devices SET via_device_id = ?, via_ip = ?, via_channel = ? WHERE id = ?',
  updateDeviceCloud: 'UPDATE devices SET cloud = ? WHERE id = ?',
  insertDevice: insertSql('devices', DEVICE_COLUMNS),
  updateDeviceSeen: updateSql('devices', DEVICE_SEEN_COLUMNS),
  updateDeviceUser: updateSql('devices', DEVICE_USER_COLUMNS),
  moveDevice: 'UPDATE devices SET site = ?, origin_site = ?, moved_from = ?, moved_at = ? WHERE id = ?',
  linkObservation: 'INSERT INTO device_observations (device_id, observation_id) VALUES (?, ?) ON CONFLICT (device_id, observation_id) DO NOTHING',
  setSwitchLocation: 'UPDATE devices SET location = ? WHERE id = ? AND (location IS NULL OR location LIKE ?)',
  upsertDeviceScan: `INSERT INTO device_scans (device_id, scan_id, ip, mac, vendor, brand, model, firmware, seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (device_id, scan_id) DO UPDATE SET ip = excluded.ip, mac = excluded.mac, vendor = excluded.vendor,
         brand = excluded.brand, model = excluded.model, firmware = excluded.firmware, seen_at = excluded.seen_at`,
  recentSightingsOfDevice: `SELECT o.raw AS raw, o.source AS source, s.scan_id AS scan_id, s.agent AS agent, s.observed_at AS observed_at
       FROM device_observations d
       JOIN observations o ON o.id = d.observation_id
       JOIN observation_sightings s ON s.observation_id = o.id
       WHERE d.device_id = ? ORDER BY s.observed_at DESC, o.id LIMIT ?`,
  /** recentSightingsOfDevice of a device whose observations are the `count` ids bound first (the device not written yet). */
  recentSightingsOfObservations: (count: number): string => `SELECT o.id AS id, o.raw AS raw, o.source AS source, s.scan_id AS scan_id, s.agent AS agent, s.observed_at AS observed_at
       FROM observations o
       JOIN observation_sightings s ON s.observation_id = o.id
       WHERE o.id IN (${placeholders(count)}) ORDER BY s.observed_at DESC, o.id LIMIT ?`,
  /** Every sighting of `count` observation ids (read ahead for the devices a scan is about to create). */
  sightingsOfObservations: (count: number): string => `SELECT o.id AS id, o.raw AS raw, o.source AS source, s.scan_id AS scan_id, s.agent AS agent, s.observed_at AS observed_at
       FROM observations o
       JOIN observation_sightings s ON s.observation_id = o.id
       WHERE o.id IN (${placeholders(count)})`,
  insertIdentifiedDevice: insertSql('devices', [...DEVICE_COLUMNS, 'cloud', 'via_ip', 'via_channel']),
  viaDevicesOfScan: `SELECT d.id AS id, d.via_ip AS via_ip, d.via_channel AS via_channel, d.via_device_id AS via_device_id
       FROM device_scans s JOIN devices d ON d.id = s.device_id WHERE s.scan_id = ? AND d.via_ip IS NOT NULL`,
  directDevicesOfScanAt: 'SELECT d.id AS id FROM devices d JOIN device_scans s ON s.device_id = d.id AND s.scan_id = ? WHERE d.ip = ? AND d.via_ip IS NULL',
  /** The ids of the devices a scan saw, for a scan's caller (a large import reads the counts below instead). */
  devicesOfScanBrief: 'SELECT d.id AS id FROM device_scans s JOIN devices d ON d.id = s.device_id WHERE s.scan_id = ? ORDER BY d.ip, d.id',
  /** How many devices a scan saw, and how many of them are covered, counted by the database. */
  countDevicesOfScan: 'SELECT COUNT(*) AS devices, SUM(d.covered) AS covered FROM device_scans s JOIN devices d ON d.id = s.device_id WHERE s.scan_id = ?',
  /** How many of `count` device ids the scan saw and still exist (IN ignores repeats: the list may be padded). */
  countDevicesOfScanAmong: (count: number): string =>
    `SELECT COUNT(*) AS count FROM device_scans s JOIN devices d ON d.id = s.device_id WHERE s.scan_id = ? AND s.device_id IN (${placeholders(count)})`,
  /** One page of a scan's sightings in observation id order (the key's own index), for finishScan to read in pages. */
  scanSightingsPage: `SELECT o.raw AS raw, s.agent AS agent, s.observed_at AS observed_at, s.observation_id AS observation_id
       FROM observation_sightings s JOIN observations o ON o.id = s.observation_id
       WHERE s.scan_id = ? AND s.observation_id > ? ORDER BY s.observation_id LIMIT ?`,
  countScanSightings: 'SELECT COUNT(*) AS count FROM observation_sightings WHERE scan_id = ?',
  /** Sightings of the scan of `count` observation ids (a part of a large scan, read back). */
  scanSightingsOf: (count: number): string => `SELECT o.raw AS raw, s.agent AS agent, s.observed_at AS observed_at, s.observation_id AS observation_id
       FROM observation_sightings s JOIN observations o ON o.id = s.observation_id
       WHERE s.scan_id = ? AND s.observation_id IN (${placeholders(count)})`,
  insertHistory: insertSql('device_history', ['id', 'device_id', 'scan_id', 'at', 'kind', 'field', 'old_value', 'new_value']),
  moveKeys: 'UPDATE device_keys SET device_id = ? WHERE device_id = ?',
  copyDeviceObservations: `INSERT INTO device_observations (device_id, observation_id) SELECT CAST(? AS TEXT), observation_id FROM device_observations
       WHERE device_id = ? ON CONFLICT (device_id, observation_id) DO NOTHING`,
  copyDeviceScans: `INSERT INTO device_scans (device_id, scan_id, ip, mac, vendor, brand, model, firmware, seen_at)
       SELECT CAST(? AS TEXT), scan_id, ip, mac, vendor, brand, model, firmware, seen_at FROM device_scans WHERE device_id = ?
       ON CONFLICT (device_id, scan_id) DO NOTHING`,
  moveHistory: 'UPDATE device_history SET device_id = ? WHERE device_id = ?',
  deleteDevice: 'DELETE FROM devices WHERE id = ?',
  devicesOfScan: 'SELECT d.* FROM device_scans s JOIN devices d ON d.id = s.device_id WHERE s.scan_id = ? ORDER BY d.ip, d.id',
} as const;

/** A row's values in the order of `columns`, for positional binding. */
export function valuesOf<K extends string>(columns: readonly K[], row: Record<K, string | number | null>): (string | number | null)[] {
  return columns.map((column) => row[column]);
}

/** An observation's row in OBSERVATION_COLUMNS order: the whole observation is kept as JSON in `raw`. */
export function observationRow(scanId: string, observation: Observation): SqlValue[] {
  return [
    observation.id,
    scanId,
    observation.site,
    observation.agent,
    observation.source,
    observation.ip,
    observation.port ?? null,
    observation.mac ?? null,
    observation.observedAt,
    JSON.stringify(observation),
  ];
}
