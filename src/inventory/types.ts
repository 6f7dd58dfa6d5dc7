import type { Logger } from 'pino';
import type { DeviceFacets, InventoryOverview } from './overview.js';
import type { Device, DeviceStatus, Identification, Observation, ObservationSource } from '../model.js';
import type { DeviceFilter } from './filter.js';

/** The matcher, injected: the inventory itself knows no protocol and no fingerprint. */
export type IdentifyFunction = (observations: Observation[]) => Identification;

export type ScanStatus = 'running' | 'finished' | 'interrupted' | 'failed';

export const SCAN_STATUSES: readonly ScanStatus[] = ['running', 'finished', 'interrupted', 'failed'];

export interface InventoryOptions {
  identify: IdentifyFunction;
  log: Logger;
  /** Injected for tests; defaults to the wall clock. */
  now?: () => Date;
  /** Observations per source handed to `identify` when a device is re-identified (the latest ones). */
  maxObservationsPerSource?: number;
  /** SQLite busy timeout: how long a writer waits for another connection's lock. */
  busyTimeoutMs?: number;
  /** PostgreSQL: connections in the pool. */
  poolSize?: number;
  /** A scan of more observations than this is merged in parts of about this many (INVENTORY_LIMITS.mergePartObservations). */
  mergePartObservations?: number;
  /** SQLite: the page cache in KiB (PRAGMA cache_size); better-sqlite3's default when absent. */
  sqliteCacheKiB?: number;
}

export interface ScanStart {
  site: string;
  agent: string;
  /** What the scan covers, as the orchestrator describes it (cidrs, interfaces); stored as JSON. */
  scope: Record<string, unknown>;
  channels: string[];
}

export interface ScanRecord {
  id: string;
  site: string;
  agent: string;
  scope: Record<string, unknown>;
  channels: string[];
  startedAt: string;
  finishedAt: string | null;
  status: ScanStatus;
  /** observations, devices, newDevices, covered, alerts, bySource; for a running scan, observations so far. */
  counts: Record<string, unknown>;
  errors: unknown[];
}

export interface ScanFinish {
  status: Exclude<ScanStatus, 'running'>;
  /** Extra counts from the orchestrator; merged over the ones the inventory computes. */
  counts?: Record<string, unknown>;
  errors?: unknown[];
}

/** A finished scan as a batch's or an import's caller sees it: its counts (devices, newDevices, covered, alerts, ...). */
export interface FinishedScanCounts {
  scanId: string;
  status: ScanStatus;
  counts: Record<string, unknown>;
}

export interface FinishedScan extends FinishedScanCounts {
  /** Devices seen in this scan. */
  deviceIds: string[];
  /** Devices this scan saw for the first time. */
  newDeviceIds: string[];
  /** Devices marked replaced or removed that this scan saw again. */
  alertDeviceIds: string[];
}

/** A device as stored: the shared Device plus what replacement tracking adds. */
export interface InventoryDevice extends Device {
  /** Set when a device marked replaced or removed is seen again; cleared by the user. */
  alert: string | null;
  alertAt: string | null;
  serial: string | null;
  /** WS-Discovery EndpointReference, when one was seen. */
  endpoint: string | null;
  /** The site this device was known at before its MAC, serial or endpoint turned up at its current site. */
  movedFrom: string | null;
  movedAt: string | null;
}

export type HistoryKind = 'created' | 'address' | 'firmware' | 'identification' | 'status' | 'alert' | 'merged' | 'edit' | 'moved' | 'conflict';

export interface HistoryEntry {
  id: string;
  deviceId: string;
  scanId: string | null;
  at: string;
  kind: HistoryKind;
  /** Which field changed, for `edit` (site, location, owner, notes) and `status`. */
  field: string | null;
  oldValue: string | null;
  newValue: string | null;
}

export interface DeviceSighting {
  scanId: string;
  ip: string;
  seenAt: string;
}

export interface ObservationSummary {
  id: string;
  scanId: string;
  source: ObservationSource;
  ip: string;
  port: number | null;
  mac: string | null;
  observedAt: string;
}

export interface DeviceDetail {
  device: InventoryDevice;
  history: HistoryEntry[];
  sightings: DeviceSighting[];
  observations: ObservationSummary[];
}

export type DeviceSortKey =
  | 'site'
  | 'location'
  | 'ip'
  | 'mac'
  | 'vendor'
  | 'brand'
  | 'model'
  | 'firmware'
  | 'serial'
  | 'covered'
  | 'confidence'
  | 'firstSeen'
  | 'lastSeen'
  | 'status'
  | 'owner';

export interface DeviceSort {
  key: DeviceSortKey;
  descending: boolean;
}

export interface Page {
  limit: number;
  offset: number;
}

export interface DevicePage {
  items: InventoryDevice[];
  total: number;
  limit: number;
  offset: number;
}

export interface ScanPage {
  items: ScanRecord[];
  total: number;
  limit: number;
  offset: number;
}

export interface DevicePatch {
  site?: string;
  location?: string | null;
  owner?: string | null;
  notes?: string | null;
  status?: DeviceStatus;
  /** Required with status `exempt`; kept with other statuses when given. */
  statusReason?: string | null;
  /** True clears the seen-again alert. */
  clearAlert?: boolean;
}

export interface DiffEntry {
  deviceId: string;
  ip: string;
  mac: string | null;
  vendor: string | null;
  brand: string | null;
  model: string | null;
  firmware: string | null;
}

export interface DiffChange {
  field: 'address' | 'firmware' | 'identification' | 'mac';
  before: string | null;
  after: string | null;
}

export interface ScanDiff {
  from: string;
  to: string;
  new: DiffEntry[];
  gone: DiffEntry[];
  changed: (DiffEntry & { changes: DiffChange[] })[];
  unchanged: number;
}

/** A batch of one scan's observations sent by an agent (push) or read from a bundle (import). */
export interface IngestBatch {
  site: string;
  agent: string;
  agentVersion?: string;
  /** How often the agent scans, in seconds: a site silent for twice this is overdue. */
  scanEverySeconds?: number;
  scan: { id: string; startedAt: string; scope: Record<string, unknown>; channels: string[] };
  observations: Observation[];
  /** Present on the scan's last batch: merge its observations into devices. */
  finish?: ScanFinish;
}

/** How a batch reached ingestBatch: never part of the batch itself, which an API client writes. */
export interface IngestOptions {
  /** The caller is this process and hashed every observation's id from its content (camaudit import): not re-hashed. */
  idsComputedHere?: boolean;
}

export interface IngestResult {
  scanId: string;
  /** Observations stored by this batch; a retried batch stores 0. */
  stored: number;
  /** Observations of the batch that were already stored. */
  duplicates: number;
  /** Set when the batch finished the scan (or the scan was finished already). */
  scanStatus: ScanStatus;
}

export interface SiteSummary {
  site: string;
  devices: number;
  covered: number;
  byStatus: Record<DeviceStatus, number>;
  agent: string | null;
  agentVersion: string | null;
  lastPushAt: string | null;
  scanEverySeconds: number | null;
  /** No push for twice the agent's schedule. */
  overdue: boolean;
}

export type TokenRole = 'agent' | 'admin';

export interface TokenRecord {
  id: string;
  role: TokenRole;
  /** The one site an agent token may write; null for admin tokens. */
  site: string | null;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface Inventory {
  /** Which engine holds the inventory. */
  readonly engine: 'sqlite' | 'postgres';
  /** Records a scan as running and returns its id (`id` given: an agent's own scan id, kept as is). */
  beginScan(start: ScanStart & { id?: string }): Promise<string>;
  /** Commits one observation at once (crash-safe); a second sighting of the same id is recorded, not duplicated. */
  recordObservation(scanId: string, observation: Observation): Promise<void>;
  /** Merges the scan's observations into devices, re-identifies them, records counts and the final status. */
  finishScan(scanId: string, finish: ScanFinish): Promise<FinishedScan>;
  /** Scans left `running` by a process that is gone become `interrupted`; their observations are merged. */
  markInterruptedScans(): Promise<string[]>;
  /** Stores a pushed or imported batch, idempotently by observation id; finishes the scan on its last batch. */
  ingestBatch(batch: IngestBatch, options?: IngestOptions): Promise<IngestResult>;
  listDevices(filter?: DeviceFilter, page?: Partial<Page>, sort?: DeviceSort): Promise<DevicePage>;
  /** Counts, progress over time and alerts for the planning page's overview. */
  overview(): Promise<InventoryOverview>;
  /** Sites, vendors, brands and advisories present, for the page's filters. */
  facets(): Promise<DeviceFacets>;
  /** Every device that matches, for exports (held in memory: prefer streamDevices for large inventories). */
  listAllDevices(filter?: DeviceFilter): Promise<InventoryDevice[]>;
  /** Every device that matches, in pages read one after another: memory stays flat whatever the inventory's size. */
  streamDevices(filter?: DeviceFilter): AsyncIterable<InventoryDevice>;
  getDevice(id: string): Promise<InventoryDevice | undefined>;
  getDeviceDetail(id: string): Promise<DeviceDetail | undefined>;
  updateDevice(id: string, patch: DevicePatch): Promise<InventoryDevice>;
  listScans(page?: Partial<Page> & { status?: ScanStatus; site?: string }): Promise<ScanPage>;
  getScan(id: string): Promise<ScanRecord | undefined>;
  /** The finished scan before `scanId` at the same site, if any. */
  previousScanId(scanId: string): Promise<string | undefined>;
  /** What is new, gone and changed from scan `fromId` to scan `toId`. */
  diffScans(fromId: string, toId: string): Promise<ScanDiff>;
  /** True while a scan run by a process on this database is running (pushed scans do not count). */
  isScanRunning(): Promise<boolean>;
  /** Each site's device counts, its agent's last push and whether it is overdue. */
  listSites(filter?: { site?: string }): Promise<SiteSummary[]>;
  /** Makes a token; the secret is returned once and only its hash is stored. */
  createToken(request: { role: TokenRole; site?: string; label?: string }): Promise<{ token: string; record: TokenRecord }>;
  listTokens(): Promise<TokenRecord[]>;
  /** Revokes by id; resolves false when there is no such live token. */
  revokeToken(id: string): Promise<boolean>;
  /** The live token record this secret belongs to, if any. */
  verifyToken(secret: string): Promise<TokenRecord | undefined>;
  close(): Promise<void>;
}
