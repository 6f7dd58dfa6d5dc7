import type { CloudState, DeviceStatus, Identification, Observation, ObservationSource } from '../model.js';
import type { HistoryEntry, HistoryKind, InventoryDevice, ScanRecord, ScanStatus } from './types.js';

// Rows as SQLite and PostgreSQL return them, and their conversion to the records the rest of camaudit sees.
// JSON columns were written by this module, but are read back as unknown and checked.

export interface ScanRow {
  id: string;
  site: string;
  agent: string;
  scope: string;
  channels: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  counts: string;
  errors: string;
  runner: string;
  /** Null on pushed scans and on scans recorded before schema 5. */
  heartbeat_at: string | null;
}

export interface DeviceRow {
  id: string;
  site: string;
  origin_site: string;
  agent: string;
  ip: string;
  mac: string | null;
  serial: string | null;
  endpoint: string | null;
  addresses: string;
  ports: string;
  sources: string;
  first_seen: string;
  last_seen: string;
  identification: string;
  vendor: string | null;
  brand: string | null;
  model: string | null;
  firmware: string | null;
  device_class: string;
  covered: number;
  confidence: number;
  status: string;
  status_reason: string | null;
  location: string | null;
  owner: string | null;
  notes: string | null;
  alert: string | null;
  alert_at: string | null;
  updated_at: string;
  moved_from: string | null;
  moved_at: string | null;
  via_device_id: string | null;
  via_ip: string | null;
  via_channel: number | null;
  cloud: string;
}

export interface HistoryRow {
  id: string;
  device_id: string;
  scan_id: string | null;
  at: string;
  kind: string;
  field: string | null;
  old_value: string | null;
  new_value: string | null;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Only this module writes these columns; a broken value means a damaged file, reported as empty.
    return undefined;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asStrings(value: unknown): string[] {
  return asArray(value).filter((entry): entry is string => typeof entry === 'string');
}

function asNumbers(value: unknown): number[] {
  return asArray(value).filter((entry): entry is number => typeof entry === 'number');
}

export function emptyIdentification(): Identification {
  return {
    vendor: null,
    brand: null,
    model: null,
    firmware: null,
    serial: null,
    mac: null,
    deviceClass: 'unknown',
    covered: false,
    coveredReason: null,
    confidence: 0,
    evidence: [],
    conflicts: [],
    advisories: [],
  };
}

export function identificationFromJson(text: string): Identification {
  return asIdentification(parseJson(text));
}

function asIdentification(value: unknown): Identification {
  const record = asRecord(value);
  // Written by JSON.stringify of an Identification; missing arrays are filled so readers can rely on them.
  return { ...emptyIdentification(), ...(record as Partial<Identification>) };
}

export function scanFromRow(row: ScanRow): ScanRecord {
  return {
    id: row.id,
    site: row.site,
    agent: row.agent,
    scope: asRecord(parseJson(row.scope)),
    channels: asStrings(parseJson(row.channels)),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: row.status as ScanStatus,
    counts: asRecord(parseJson(row.counts)),
    errors: asArray(parseJson(row.errors)),
  };
}

export function deviceFromRow(row: DeviceRow, scanIds: string[]): InventoryDevice {
  return {
    id: row.id,
    site: row.site,
    agent: row.agent,
    ip: row.ip,
    mac: row.mac,
    serial: row.serial,
    endpoint: row.endpoint,
    addresses: asStrings(parseJson(row.addresses)),
    ports: asNumbers(parseJson(row.ports)),
    sources: asStrings(parseJson(row.sources)) as ObservationSource[],
    identification: asIdentification(parseJson(row.identification)),
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    scanIds,
    status: row.status as DeviceStatus,
    statusReason: row.status_reason,
    location: row.location,
    owner: row.owner,
    notes: row.notes,
    alert: row.alert,
    alertAt: row.alert_at,
    movedFrom: row.moved_from ?? null,
    movedAt: row.moved_at ?? null,
    via: (row.via_ip ?? null) === null ? null : { deviceId: row.via_device_id ?? null, ip: row.via_ip!, channel: Number(row.via_channel ?? 0) },
    cloud: (row.cloud ?? 'unknown') as CloudState,
  };
}

export function historyFromRow(row: HistoryRow): HistoryEntry {
  return {
    id: row.id,
    deviceId: row.device_id,
    scanId: row.scan_id,
    at: row.at,
    kind: row.kind as HistoryKind,
    field: row.field,
    oldValue: row.old_value,
    newValue: row.new_value,
  };
}

/** An observation read back from its raw column, with the time and agent of this particular sighting. */
export function observationFromRaw(raw: string, sighting?: { scanId: string; agent: string; observedAt: string }): Observation | undefined {
  const value = asRecord(parseJson(raw));
  if (typeof value.id !== 'string' || typeof value.ip !== 'string' || typeof value.source !== 'string') return undefined;
  const observation = value as unknown as Observation;
  return sighting ? { ...observation, scanId: sighting.scanId, agent: sighting.agent, observedAt: sighting.observedAt } : observation;
}
