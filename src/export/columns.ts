import type { InventoryDevice } from '../inventory/index.js';
import { EXPORT_LIMITS } from '../config.js';

// The columns of every tabular export (CSV, xlsx), in order: what a replacement plan needs first, then the
// trail. Values are plain; each format escapes them its own way.

export type CellValue = string | number | null;

export interface Column {
  key: string;
  header: string;
  value(device: InventoryDevice): CellValue;
}

const MAX_EVIDENCE_CHARS = EXPORT_LIMITS.maxEvidenceChars;

export function evidenceSummary(device: InventoryDevice): string {
  const parts = device.identification.evidence.map((evidence) => `${evidence.ruleId}: ${evidence.field}=${evidence.value}`);
  const summary = parts.join('; ');
  return summary.length > MAX_EVIDENCE_CHARS ? `${summary.slice(0, MAX_EVIDENCE_CHARS - 1)}…` : summary;
}

export const DEVICE_COLUMNS: readonly Column[] = [
  { key: 'site', header: 'Site', value: (device) => device.site },
  { key: 'location', header: 'Location', value: (device) => device.location },
  { key: 'ip', header: 'IP', value: (device) => device.ip },
  { key: 'mac', header: 'MAC', value: (device) => device.mac },
  { key: 'vendor', header: 'Vendor', value: (device) => device.identification.vendor },
  { key: 'brand', header: 'Brand', value: (device) => device.identification.brand },
  { key: 'model', header: 'Model', value: (device) => device.identification.model },
  { key: 'firmware', header: 'Firmware', value: (device) => device.identification.firmware?.raw ?? null },
  { key: 'serial', header: 'Serial', value: (device) => device.serial ?? device.identification.serial },
  { key: 'covered', header: 'Covered', value: (device) => (device.identification.covered ? 'yes' : 'no') },
  { key: 'coveredReason', header: 'Covered because', value: (device) => device.identification.coveredReason },
  { key: 'advisories', header: 'Advisories', value: (device) => device.identification.advisories.map((advisory) => advisory.id).join('; ') || null },
  { key: 'confidence', header: 'Confidence', value: (device) => Math.round(device.identification.confidence * 100) / 100 },
  { key: 'evidence', header: 'Evidence', value: (device) => evidenceSummary(device) || null },
  { key: 'firstSeen', header: 'First seen', value: (device) => device.firstSeen },
  { key: 'lastSeen', header: 'Last seen', value: (device) => device.lastSeen },
  { key: 'status', header: 'Status', value: (device) => device.status },
  { key: 'statusReason', header: 'Status reason', value: (device) => device.statusReason },
  { key: 'owner', header: 'Owner', value: (device) => device.owner },
  { key: 'notes', header: 'Notes', value: (device) => device.notes },
  { key: 'alert', header: 'Alert', value: (device) => device.alert },
  { key: 'cloud', header: 'Cloud P2P', value: (device) => device.cloud ?? 'unknown' },
  { key: 'via', header: 'Behind NVR', value: (device) => (device.via ? `${device.via.ip} channel ${device.via.channel}${device.via.deviceId ? ` (${device.via.deviceId})` : ''}` : null) },
  { key: 'addresses', header: 'All addresses', value: (device) => device.addresses.join(' ') },
  { key: 'id', header: 'Device id', value: (device) => device.id },
];

export function deviceCells(device: InventoryDevice): CellValue[] {
  return DEVICE_COLUMNS.map((column) => column.value(device));
}
