import type { InventoryDevice } from '../inventory/index.js';

// Counts for the summary sheet: how many devices by site, vendor, brand, covered and status.

export interface SummarySection {
  title: string;
  rows: [label: string, count: number][];
}

const UNKNOWN = '(unknown)';

function countBy(devices: readonly InventoryDevice[], labelOf: (device: InventoryDevice) => string | null): [string, number][] {
  const counts = new Map<string, number>();
  for (const device of devices) {
    const label = labelOf(device) ?? UNKNOWN;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  // Largest first; ties alphabetical, so the sheet is the same for the same data.
  return [...counts.entries()].sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0));
}

export function summariseDevices(devices: readonly InventoryDevice[]): SummarySection[] {
  return [
    { title: 'Site', rows: countBy(devices, (device) => device.site) },
    { title: 'Vendor', rows: countBy(devices, (device) => device.identification.vendor) },
    { title: 'Brand', rows: countBy(devices, (device) => device.identification.brand) },
    { title: 'Covered', rows: countBy(devices, (device) => (device.identification.covered ? 'yes' : 'no')) },
    { title: 'Status', rows: countBy(devices, (device) => device.status) },
  ];
}
