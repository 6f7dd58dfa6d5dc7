import type { InventoryDevice } from '../inventory/index.js';

// JSON exports carry the whole device (identification, evidence, history ids): JSON cannot inject formulas,
// and a consumer that renders it must escape for its own medium.

export function devicesToJson(devices: readonly InventoryDevice[]): string {
  return `${JSON.stringify(devices, null, 2)}\n`;
}

/** The JSON array of devicesToJson, one device at a time (same bytes). */
export async function* streamJson(devices: AsyncIterable<InventoryDevice>): AsyncGenerator<string> {
  let first = true;
  for await (const device of devices) {
    const item = JSON.stringify(device, null, 2).replace(/\n/g, '\n  ');
    yield `${first ? '[\n  ' : ',\n  '}${item}`;
    first = false;
  }
  yield first ? '[]\n' : '\n]\n';
}

/** JSON Lines, one device at a time. */
export async function* streamJsonLines(devices: AsyncIterable<InventoryDevice>): AsyncGenerator<string> {
  for await (const device of devices) yield `${JSON.stringify(device)}\n`;
}

/** JSON Lines: one device per line, for streaming into other tools. */
export function devicesToJsonLines(devices: readonly InventoryDevice[]): string {
  return devices.map((device) => `${JSON.stringify(device)}\n`).join('');
}
