import type { Logger } from 'pino';
import type { Device, DeviceStatus, Identification, Observation, ProtocolName } from '../model.js';
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

export interface FinishedScan {
  scanId: string;
  status: ScanStatus;
  /** Devices seen in this scan. */
  deviceIds: string[];
  /** Devices this scan saw for the first time. */
  newDeviceIds: string[];
  /** Devices marked replaced or removed that this scan saw again. */
  alertDeviceIds: string[];
  counts: Record<string, unknown>;
}

/** A device as stored: the shared Device plus what replacement tracking adds. */
export interface InventoryDevice extends Device {
  /** Set when a device marked replaced or removed is seen again; cleared by the user. */
  alert: string | null;
  alertAt: string | null;
  serial: string | null;
  /** WS-Discovery EndpointReference, when one was seen. */
  endpoint: string | null;
}

export type HistoryKind = 'created' | 'address' | 'firmware' | 'identification' | 'status' | 'alert' | 'merged' | 'edit';

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
  source: ProtocolName;
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

export interface Inventory {
  /** Records a scan as running and returns its id. */
  beginScan(start: ScanStart): string;
  /** Commits one observation at once (crash-safe); a second sighting of the same id is recorded, not duplicated. */
  recordObservation(scanId: string, observation: Observation): void;
  /** Merges the scan's observations into devices, re-identifies them, records counts and the final status. */
  finishScan(scanId: string, finish: ScanFinish): FinishedScan;
  /** Scans left `running` by a process that is gone become `interrupted`; their observations are merged. */
  markInterruptedScans(): string[];
  listDevices(filter?: DeviceFilter, page?: Partial<Page>): DevicePage;
  /** Every device that matches, for exports. */
  listAllDevices(filter?: DeviceFilter): InventoryDevice[];
  getDevice(id: string): InventoryDevice | undefined;
  getDeviceDetail(id: string): DeviceDetail | undefined;
  updateDevice(id: string, patch: DevicePatch): InventoryDevice;
  listScans(page?: Partial<Page> & { status?: ScanStatus; site?: string }): ScanPage;
  getScan(id: string): ScanRecord | undefined;
  /** The finished scan before `scanId` at the same site, if any. */
  previousScanId(scanId: string): string | undefined;
  /** What is new, gone and changed from scan `fromId` to scan `toId`. */
  diffScans(fromId: string, toId: string): ScanDiff;
  /** True while a scan of this database is running (in this or another live process). */
  isScanRunning(): boolean;
  close(): void;
}
