import type { InventoryDevice } from '../inventory/index.js';

// JSON exports carry the whole device (identification, evidence, history ids): JSON cannot inject formulas,
// and a consumer that renders it must escape for its own medium.

export function devicesToJson(devices: readonly InventoryDevice[]): string {
  return `${JSON.stringify(devices, null, 2)}\n`;
}

/** JSON Lines: one device per line, for streaming into other tools. */
export function devicesToJsonLines(devices: readonly InventoryDevice[]): string {
  return devices.map((device) => `${JSON.stringify(device)}\n`).join('');
}
