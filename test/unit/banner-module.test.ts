import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bannerModule, bannerTargets, probeBannerTargets } from '../../src/discovery/banner/index.js';
import { createProbeContext, createRateLimiter } from '../../src/discovery/engine/run.js';
import { DEFAULT_SCAN_CONFIG, type ScanConfig } from '../../src/config.js';
import type { Observation } from '../../src/model.js';
import { answerOnce, makeSelfSignedCertificate, startServer, startTlsServer, type TestServer } from '../fixtures/http/servers.js';

const fixture = (path: string): Buffer => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));

// Loopback only: 127.1.0.0/24 is ours (every 127/8 address is local on Linux).
const servers: TestServer[] = [];
let http: TestServer;
let https: TestServer;
let rtsp: TestServer;
let sdk: TestServer;

beforeAll(async () => {
  http = await startServer(answerOnce(fixture('http/hikvision-nvr-dnvrs-webs-401.bin')), '127.1.0.10');
  https = await startTlsServer(makeSelfSignedCertificate('/C=CN/O=HIKVISION/CN=www.hikvision.com'), answerOnce(fixture('http/hikvision-ipc-app-webs-root.bin')), '127.1.0.20');
  rtsp = await startServer((socket) => socket.once('data', () => socket.write(fixture('rtsp/dahua-ipc-options-401.bin'))), '127.1.0.30');
  sdk = await startServer((socket) => socket.once('data', () => socket.end(Buffer.from('000000100000001e', 'hex'))), '127.1.0.40');
  servers.push(http, https, rtsp, sdk);
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

function harness(overrides: Partial<ScanConfig>) {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const config: ScanConfig = { ...DEFAULT_SCAN_CONFIG, exchangeTimeoutMs: 800, ...overrides };
  const limiter = createRateLimiter({ globalPerSecond: config.globalRatePerSecond, perHostPerSecond: config.perHostRatePerSecond });
  const context = createProbeContext({ config, log, scanId: 'scan-1', signal: new AbortController().signal, limiter });
  return { context, lines };
}

describe('bannerTargets', () => {
  it('pairs every address with every port, address by address', () => {
    const targets = [...bannerTargets(['10.0.0.1', '10.0.0.2'], { httpPorts: [80], httpsPorts: [443], rtspPorts: [554] })];
    expect(targets).toEqual([
      { ip: '10.0.0.1', port: 80, scheme: 'http' },
      { ip: '10.0.0.1', port: 443, scheme: 'https' },
      { ip: '10.0.0.1', port: 554, scheme: 'rtsp' },
      { ip: '10.0.0.2', port: 80, scheme: 'http' },
      { ip: '10.0.0.2', port: 443, scheme: 'https' },
      { ip: '10.0.0.2', port: 554, scheme: 'rtsp' },
    ]);
  });
});

describe('bannerModule sweep of 127.1.0.0/26', () => {
  it('finds exactly our servers and logs a summary', async () => {
    const { context, lines } = harness({
      httpPorts: [http.port, sdk.port],
      httpsPorts: [https.port],
      rtspPorts: [rtsp.port],
      globalRatePerSecond: 10_000,
    });
    const started = performance.now();
    const observations: Observation[] = [];
    for await (const observation of bannerModule.probe({ cidrs: ['127.1.0.0/26'], interfaces: [] }, context)) observations.push(observation);
    const elapsedMs = performance.now() - started;
    observations.sort((a, b) => a.ip.localeCompare(b.ip));
    expect(observations.map((o) => [o.source, o.ip, o.port])).toEqual([
      ['http', '127.1.0.10', http.port],
      ['https', '127.1.0.20', https.port],
      ['rtsp', '127.1.0.30', rtsp.port],
    ]);
    const [first, second, third] = observations;
    expect(first).toMatchObject({ site: 'default', scanId: 'scan-1', transport: 'tcp', http: { status: 401, url: `http://127.1.0.10:${http.port}/` } });
    expect(first?.http?.headers.server).toBe('DNVRS-Webs');
    expect(second?.tls?.subject).toBe('CN=www.hikvision.com,O=HIKVISION,C=CN');
    expect(second?.http?.headers.server).toBe('App-webs/');
    expect(third?.rtsp).toMatchObject({ status: 401, headers: { server: 'Dahua Rtsp Server' } });
    const summary = lines.find((line) => line.msg === 'banner probe finished');
    expect(summary).toMatchObject({ targets: 62 * 4, observations: 3 });
    const failures = summary?.failures as Record<string, number>;
    expect(failures.refused).toBe(62 * 4 - 4);
    expect(failures['not-http']).toBe(1);
    const sdkLine = lines.find((line) => line.reason === 'not-http');
    expect(sdkLine).toMatchObject({ ip: '127.1.0.40', firstBytesHex: '000000100000001e' });
    // Loose on purpose (the machine is shared): serialised exchange deadlines would take far longer.
    expect(elapsedMs).toBeLessThan(8000);
  });

  it('emits nothing for an empty scope', async () => {
    const { context } = harness({});
    const seen: Observation[] = [];
    for await (const observation of bannerModule.probe({ cidrs: [], interfaces: [] }, context)) seen.push(observation);
    expect(seen).toEqual([]);
  });
});

describe('probeBannerTargets', () => {
  it('probes ports a device announced, outside the configured ones', async () => {
    const { context } = harness({ httpPorts: [], httpsPorts: [], rtspPorts: [] });
    const seen: Observation[] = [];
    for await (const observation of probeBannerTargets([{ ip: '127.1.0.10', port: http.port, scheme: 'http' }], context)) seen.push(observation);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.http?.headers['www-authenticate']).toContain('IP Camera(C2183)');
  });

  it('respects the per-host rate: 8 ports of one host at 10 per second take ≥ 0.7 s', async () => {
    const { context } = harness({ perHostRatePerSecond: 10, globalRatePerSecond: 1000 });
    const targets = Array.from({ length: 8 }, () => ({ ip: '127.1.0.99', port: http.port, scheme: 'http' as const }));
    const started = performance.now();
    for await (const _ of probeBannerTargets(targets, context)) {
      // refused: nothing listens on 127.1.0.99
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(690);
  });
});
