import type { Device } from '../model.js';
import { renderTable } from './text.js';

export function deviceRow(device: Device): (string | number | null)[] {
  const identification = device.identification;
  return [
    device.ip,
    device.mac,
    identification.vendor ?? 'unknown',
    identification.brand,
    identification.model,
    identification.firmware?.raw ?? null,
    identification.covered ? 'COVERED' : 'no',
    device.cloud === 'enabled' ? 'P2P ON' : device.cloud === 'disabled' ? 'off' : '?',
    device.via ? `${device.via.ip}#${device.via.channel}` : null,
    identification.confidence.toFixed(2),
  ];
}

export function printDevices(devices: Device[], format: 'table' | 'json'): void {
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(devices, null, 2)}\n`);
    return;
  }
  const sorted = [...devices].sort((a, b) => ipSortKey(a.ip) - ipSortKey(b.ip));
  process.stdout.write(`${renderTable(['IP', 'MAC', 'VENDOR', 'BRAND', 'MODEL', 'FIRMWARE', 'COVERED', 'CLOUD', 'VIA NVR', 'CONFIDENCE'], sorted.map(deviceRow))}\n`);
}

function ipSortKey(ip: string): number {
  const parts = ip.split('.').map(Number);
  return parts.length === 4 && parts.every((part) => Number.isInteger(part)) ? parts.reduce((sum, part) => sum * 256 + part, 0) : Number.MAX_SAFE_INTEGER;
}
