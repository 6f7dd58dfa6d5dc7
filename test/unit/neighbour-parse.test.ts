import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCAN_CONFIG } from '../../src/config.js';
import { createNeighbourModule, readNeighbourTable } from '../../src/discovery/neighbour/index.js';
import { incompleteInIpNeighJson, parseIpNeighJson, parseProcNetArp, unresolvedInProcNetArp } from '../../src/discovery/neighbour/parse.js';
import { createProbeContext } from '../../src/discovery/engine/run.js';
import type { Observation } from '../../src/model.js';

// Shape of /proc/net/arp on Linux (net/ipv4/arp.c, arp_format_neigh_entry): columns padded with spaces.
const PROC_NET_ARP = [
  'IP address       HW type     Flags       HW address            Mask     Device',
  '192.168.1.64     0x1         0x2         A4:14:37:C2:3D:97     *        eth0',
  '192.168.1.108    0x1         0x2         3c:ef:8c:01:02:03     *        eth0',
  '192.168.1.99     0x1         0x0         00:00:00:00:00:00     *        eth0',
  '192.168.1.1      0x1         0x6         02:fc:00:00:00:05     *        eth0',
  '10.9.0.7         0x1         0x2         00:00:00:00:00:00     *        wg0',
  'garbage line',
  '192.168.1.64     0x1         0x2         a4:14:37:c2:3d:97     *        eth0',
  '',
].join('\n');

// `ip -json neigh show` as iproute2 prints it.
const IP_NEIGH_JSON = JSON.stringify([
  { dst: '192.168.1.64', dev: 'eth0', lladdr: 'a4:14:37:c2:3d:97', state: ['REACHABLE'] },
  { dst: '192.168.1.99', dev: 'eth0', state: ['INCOMPLETE'] },
  { dst: '192.168.1.98', dev: 'eth0', lladdr: '00:11:22:33:44:55', state: ['FAILED'] },
  { dst: 'fe80::1', dev: 'eth0', lladdr: '02:fc:00:00:00:05', router: null, state: ['STALE'] },
  { dst: '192.168.1.1', dev: 'eth0', lladdr: '02:fc:00:00:00:05', state: ['PERMANENT'] },
  'not an object',
  { dst: 5 },
]);

describe('parseProcNetArp', () => {
  it('keeps complete entries with real MACs, normalised and deduplicated', () => {
    expect(parseProcNetArp(PROC_NET_ARP)).toEqual([
      { ip: '192.168.1.64', mac: 'a4:14:37:c2:3d:97', interface: 'eth0' },
      { ip: '192.168.1.108', mac: '3c:ef:8c:01:02:03', interface: 'eth0' },
      { ip: '192.168.1.1', mac: '02:fc:00:00:00:05', interface: 'eth0', state: 'PERMANENT' },
    ]);
  });

  it('reads the host table without throwing', async () => {
    const entries = await readNeighbourTable();
    for (const entry of entries) expect(entry.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (text) => {
        parseProcNetArp(`IP address HW type Flags HW address Mask Device\n${text}`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('incompleteInIpNeighJson', () => {
  it('lists the IPv4 addresses in state INCOMPLETE only', () => {
    const text = JSON.stringify([
      { dst: '10.231.1.11', dev: 'eth0', state: ['INCOMPLETE'] },
      { dst: '10.231.1.12', dev: 'eth0', state: ['FAILED'] },
      { dst: 'fe80::1', dev: 'eth0', state: ['INCOMPLETE'] },
      { dst: '10.231.1.10', dev: 'eth0', lladdr: '58:50:ed:3a:10:21', state: ['REACHABLE'] },
    ]);
    expect(incompleteInIpNeighJson(text)).toEqual({ ok: true, value: ['10.231.1.11'] });
    expect(incompleteInIpNeighJson(IP_NEIGH_JSON)).toEqual({ ok: true, value: ['192.168.1.99'] });
    expect(incompleteInIpNeighJson('Error: Unknown device').ok).toBe(false);
  });
});

describe('unresolvedInProcNetArp', () => {
  it('lists the addresses whose entry lacks ATF_COM (INCOMPLETE or FAILED), each once', () => {
    const text = `${PROC_NET_ARP}192.168.1.99     0x1         0x0         00:00:00:00:00:00     *        eth1\n10.9.0.8         0x1         0x0         a4:14:37:c2:3d:97     *        eth0\n`;
    expect(unresolvedInProcNetArp(text)).toEqual(['192.168.1.99', '10.9.0.8']);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (text) => {
        unresolvedInProcNetArp(`IP address HW type Flags HW address Mask Device\n${text}`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseIpNeighJson', () => {
  it('skips incomplete and failed entries and keeps the NUD state', () => {
    const result = parseIpNeighJson(IP_NEIGH_JSON);
    expect(result).toEqual({
      ok: true,
      value: [
        { ip: '192.168.1.64', mac: 'a4:14:37:c2:3d:97', interface: 'eth0', state: 'REACHABLE' },
        { ip: 'fe80::1', mac: '02:fc:00:00:00:05', interface: 'eth0', state: 'STALE' },
        { ip: '192.168.1.1', mac: '02:fc:00:00:00:05', interface: 'eth0', state: 'PERMANENT' },
      ],
    });
  });

  it('refuses what is not a JSON array, and never throws', () => {
    expect(parseIpNeighJson('{').ok).toBe(false);
    expect(parseIpNeighJson('{"a":1}').ok).toBe(false);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        parseIpNeighJson(text);
      }),
      { numRuns: 300 },
    );
  });
});

describe('neighbour module', () => {
  const directory = mkdtempSync(join(tmpdir(), 'camaudit-arp-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const run = async (path: string, cidrs: string[]) => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const context = createProbeContext({ config: DEFAULT_SCAN_CONFIG, log, signal: new AbortController().signal });
    const seen: Observation[] = [];
    for await (const observation of createNeighbourModule(path).probe({ cidrs, interfaces: [] }, context)) seen.push(observation);
    return { seen, lines };
  };

  it('emits neighbour observations with MACs, limited to the scope', async () => {
    const path = join(directory, 'arp');
    writeFileSync(path, PROC_NET_ARP);
    const { seen } = await run(path, ['192.168.1.64/27']);
    expect(seen.map((o) => [o.source, o.ip, o.mac, o.transport, o.interface])).toEqual([['neighbour', '192.168.1.64', 'a4:14:37:c2:3d:97', 'table', 'eth0']]);
    expect(seen[0]?.neighbour).toEqual({ interface: 'eth0' });
    const all = await run(path, []);
    expect(all.seen).toHaveLength(3);
  });

  it('logs and emits nothing when the table cannot be read', async () => {
    const { seen, lines } = await run(join(directory, 'missing'), []);
    expect(seen).toEqual([]);
    expect(lines.some((line) => line.msg === 'neighbour table not readable; no MAC addresses from it')).toBe(true);
  });
});
