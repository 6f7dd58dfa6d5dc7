// Rate limits that protect fragile networks: the real CLI scans a /29 of counting devices (every address
// holds one, test/lab/device/responders/counter.ts) with --rate and --host-rate set low enough to measure, and the
// devices' own arrival logs must show that no one second held more than the per-host limit for any device, or more
// than the global limit for all of them together, every channel (banner, SADP, DHIP, WS-Discovery, SSDP, mDNS,
// unicast and multicast) counted at once.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMITER_LIMITS } from '../../src/config.js';
import { counterLogPath, type CounterEvent } from './device/responders/counter.js';
import { useLab } from './harness/index.js';
import type { DeviceProfile } from './lab.js';

const RANGE = '10.231.1.64/29';
const HOSTS = ['10.231.1.65', '10.231.1.66', '10.231.1.67', '10.231.1.68', '10.231.1.69', '10.231.1.70'];
/** Low enough that a scan of six hosts lasts seconds, so per-second counts mean something. */
const GLOBAL_RATE = 20;
const HOST_RATE = 5;
/** A token bucket may start full: this many packets on top of the rate in the first window. */
const burst = (rate: number) => Math.max(1, Math.ceil((rate * RATE_LIMITER_LIMITS.burstWindowMs) / 1000));
/** Arrival times are taken at the devices, a little after the scanner's grant: one packet of slack for that jitter. */
const JITTER_PACKETS = 1;
const WINDOW_MS = 1000;
const FLUSH_WAIT_MS = 600;

const UDP_PORTS = [
  { port: 37020, group: '239.255.255.250' },
  { port: 3702, group: '239.255.255.250' },
  { port: 1900, group: '239.255.255.250' },
  { port: 37810, group: '239.255.255.251' },
  { port: 5353, group: '224.0.0.251' },
];
const TCP_PORTS = [80, 443, 554, 8000, 8080, 8443];

function counterProfile(ip: string, index: number): DeviceProfile {
  return {
    name: `counter-${index + 1}`,
    description: 'Counts every datagram and connection a scanner sends it; answers nothing (rate-limit test)',
    default: false,
    segment: 'lan',
    ip,
    mac: `b8:27:eb:00:03:${(index + 1).toString(16).padStart(2, '0')}`,
    ouiOrganisation: 'Raspberry Pi',
    identity: { model: 'counter' },
    protocols: { counter: { udp: UDP_PORTS, tcp: TCP_PORTS } },
    sources: [{ fact: 'a silent host on every camera port', source: 'synthetic: a measuring device for the rate limits, not an imitation of any product' }],
    expect: { vendor: null, brand: null, covered: false, deviceClass: 'unknown', isCamera: false },
  };
}

/** Most events in any window of `windowMs` (start inclusive, end exclusive). */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while (sorted[end]! - sorted[start]! >= windowMs) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

const lab = useLab('RATE-LIMIT', { cli: true, profiles: [], extraProfiles: HOSTS.map(counterProfile), twoSegmentScanner: false });

describe.runIf(lab.enabled)('--rate and --host-rate hold for every channel together', () => {
  let logs: Map<string, CounterEvent[]>;
  let scanSeconds = 0;

  beforeAll(async () => {
    const lan = lab.segments.find((segment) => segment.name === 'lan')!;
    const started = performance.now();
    const result = await lab.runCamaudit(
      ['scan', '--cidr', RANGE, '--interface', lan.scannerInterface!, '--rate', String(GLOBAL_RATE), '--host-rate', String(HOST_RATE), '--db', lab.workPath('inventory.sqlite'), '--json'],
      { timeoutMs: 120_000 },
    );
    scanSeconds = (performance.now() - started) / 1000;
    if (result.code !== 0) throw new Error(`scan exited ${result.code}: ${result.stderr.slice(-3000)}`);
    await sleep(FLUSH_WAIT_MS);
    logs = new Map(
      lab.devices.map((device) => [device.ip, (JSON.parse(readFileSync(counterLogPath(device.name, lab.tempDir), 'utf8')) as { events: CounterEvent[] }).events]),
    );
  }, 180_000);

  const unicast = (events: CounterEvent[]) => events.filter((event) => event.kind !== 'udp-multicast');

  it('reached every device on every channel (so the limits below were really exercised)', () => {
    for (const ip of HOSTS) {
      const events = logs.get(ip) ?? [];
      const kinds = new Set(events.map((event) => `${event.kind}:${event.port}`));
      // Unicast probes of the four UDP unicast channels and the banner's first ports.
      for (const expected of ['udp-unicast:37020', 'udp-unicast:37810', 'udp-unicast:3702', 'udp-unicast:1900', 'udp-unicast:5353', 'tcp:80', 'tcp:443', 'tcp:554']) {
        expect(kinds, `${ip} got no ${expected}`).toContain(expected);
      }
      expect(events.some((event) => event.kind === 'udp-multicast'), `${ip} heard no multicast probe`).toBe(true);
    }
  });

  it(`sends no host more than --host-rate ${HOST_RATE} packets in any second`, () => {
    const limit = HOST_RATE + burst(HOST_RATE) + JITTER_PACKETS;
    const peaks = HOSTS.map((ip) => maxInWindow(unicast(logs.get(ip) ?? []).map((event) => event.atMs), WINDOW_MS));
    process.stderr.write(`rate-limit: per-host peaks ${peaks.join(', ')} packets/s (limit ${HOST_RATE}, checked ≤ ${limit})\n`);
    for (const [index, peak] of peaks.entries()) expect(peak, HOSTS[index]).toBeLessThanOrEqual(limit);
    // Multicast goes through the limiter keyed by its group, like a host.
    const groupTimes = (logs.get(HOSTS[0]!) ?? []).filter((event) => event.group === '239.255.255.250').map((event) => event.atMs);
    expect(maxInWindow(groupTimes, WINDOW_MS)).toBeLessThanOrEqual(limit);
  });

  it(`sends no more than --rate ${GLOBAL_RATE} packets in any second, all hosts and channels together`, () => {
    // A multicast datagram reaches every device: count it once, from the first.
    const all = [...HOSTS.flatMap((ip) => unicast(logs.get(ip) ?? [])), ...(logs.get(HOSTS[0]!) ?? []).filter((event) => event.kind === 'udp-multicast')];
    const limit = GLOBAL_RATE + burst(GLOBAL_RATE) + JITTER_PACKETS;
    const peak = maxInWindow(
      all.map((event) => event.atMs),
      WINDOW_MS,
    );
    const times = all.map((event) => event.atMs);
    const spanSeconds = (Math.max(...times) - Math.min(...times)) / 1000;
    process.stderr.write(
      `rate-limit: ${all.length} packets over ${spanSeconds.toFixed(1)} s (scan ${scanSeconds.toFixed(1)} s), global peak ${peak} packets/s (limit ${GLOBAL_RATE}, checked ≤ ${limit})\n`,
    );
    expect(peak).toBeLessThanOrEqual(limit);
    // The packets were spread out by the limiter, not merely few: at the global rate they need at least this long.
    expect(spanSeconds).toBeGreaterThanOrEqual((all.length - burst(GLOBAL_RATE) - JITTER_PACKETS) / GLOBAL_RATE - 0.5);
    expect(all.length).toBeGreaterThanOrEqual(HOSTS.length * 10);
  });
});
