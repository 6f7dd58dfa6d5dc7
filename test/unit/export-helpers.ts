// Helpers for the export tests: an RFC 4180 reader (to check what we write) and sample devices.
import type { InventoryDevice } from '../../src/inventory/index.js';
import type { Identification } from '../../src/model.js';

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const character = text[i]!;
    if (quoted) {
      if (character === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (character === '"') quoted = false;
      else field += character;
    } else if (character === '"') quoted = true;
    else if (character === ',') {
      row.push(field);
      field = '';
    } else if (character === '\n' || character === '\r') {
      if (character === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += character;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function sampleIdentification(overrides: Partial<Identification> = {}): Identification {
  return {
    vendor: 'Hikvision',
    brand: 'LTS',
    model: 'LTS-CMIP7422',
    firmware: { raw: 'V5.5.0 build 170725', version: '5.5.0', buildDate: '2017-07-25' },
    serial: 'SERIAL1',
    mac: 'aa:bb:cc:00:00:01',
    deviceClass: 'camera',
    covered: true,
    coveredReason: 'Hikvision is on the FCC Covered List',
    confidence: 0.93,
    evidence: [{ ruleId: 'r1', field: 'sadp.DeviceDescription', value: 'LTS-CMIP7422', params: { 'hw.vendor': 'Hikvision' }, confidence: 0.9, source: 'sadp', observationId: 'o1' }],
    conflicts: [],
    advisories: [{ id: 'CVE-2017-7921', title: 'auth bypass', reason: 'firmware before 5.5.0 build 170725', references: [] }],
    ...overrides,
  };
}

export function sampleDevice(overrides: Partial<InventoryDevice> = {}): InventoryDevice {
  return {
    id: 'device-1',
    site: 'hq',
    agent: 'agent-1',
    ip: '10.0.0.1',
    mac: 'aa:bb:cc:00:00:01',
    serial: 'SERIAL1',
    endpoint: null,
    movedFrom: null,
    movedAt: null,
    addresses: ['10.0.0.1'],
    ports: [80, 554],
    sources: ['sadp', 'http'],
    identification: sampleIdentification(),
    firstSeen: '2025-01-01T00:00:00.000Z',
    lastSeen: '2025-01-02T00:00:00.000Z',
    scanIds: ['s1'],
    status: 'found',
    statusReason: null,
    location: null,
    owner: null,
    notes: null,
    alert: null,
    alertAt: null,
    ...overrides,
  };
}
