// Favicon hashes (MD5 as Recog, MurmurHash3 as Shodan) and the one extra `GET /favicon.ico` the banner module
// sends after a web port answered `GET /`. Real servers on loopback only.
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCAN_CONFIG, type ScanConfig } from '../../src/config.js';
import { base64EncodeBytes, faviconHashes, murmur3x86_32, toSignedInt32 } from '../../src/discovery/banner/favicon.js';
import { probeBannerTargets } from '../../src/discovery/banner/index.js';
import { createProbeContext, createRateLimiter } from '../../src/discovery/engine/run.js';
import { identify, loadKnowledgeBase } from '../../src/match/index.js';
import type { Observation } from '../../src/model.js';
import { createObservation } from '../../src/observation.js';
import { startServer, type TestServer } from '../fixtures/http/servers.js';

const text = (value: string): Buffer => Buffer.from(value, 'utf8');

describe('murmur3x86_32', () => {
  it('gives the reference vectors (seed 0, unsigned)', () => {
    expect(murmur3x86_32(text(''), 0)).toBe(0);
    expect(murmur3x86_32(text('hello'), 0)).toBe(613153351);
    expect(murmur3x86_32(text('The quick brown fox jumps over the lazy dog'), 0)).toBe(0x2e4ff723);
    expect(murmur3x86_32(text('abc'), 0)).toBe(0xb3dd93fa);
    // Seeded vectors from the SMHasher verification lists.
    expect(murmur3x86_32(text('Hello, world!'), 1234)).toBe(0xfaf6cdb3);
    expect(murmur3x86_32(text('aaaa'), 0x9747b28c)).toBe(0x5a97808a);
  });

  it('converts to the signed int32 Python mmh3.hash returns', () => {
    expect(toSignedInt32(0x2e4ff723)).toBe(776992547);
    expect(toSignedInt32(murmur3x86_32(text('abc')))).toBe(-1277324294);
    expect(toSignedInt32(0xffffffff)).toBe(-1);
    expect(toSignedInt32(0x80000000)).toBe(-2147483648);
  });
});

describe('faviconHashes', () => {
  it('hashes base64 with a newline every 76 characters and at the end, as base64.encodebytes', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, index) => index);
    const encoded = base64EncodeBytes(bytes);
    const lines = encoded.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -2).every((line) => line.length === 76)).toBe(true);
    expect(lines.join('')).toBe(Buffer.from(bytes).toString('base64'));
    expect(base64EncodeBytes(new Uint8Array(0))).toBe('');
  });

  it('agrees with an independent Python implementation over base64.encodebytes', () => {
    // Values computed once with a separate Python MurmurHash3 over base64.encodebytes(data).
    expect(faviconHashes(Uint8Array.from({ length: 256 }, (_, index) => index)).mmh3).toBe(-757223386);
    expect(faviconHashes(Uint8Array.from({ length: 1000 }, (_, index) => (index * 7 + 3) & 0xff)).mmh3).toBe(-985767447);
  });

  it('gives md5 hex and length', () => {
    const bytes = text('not really an icon');
    expect(faviconHashes(bytes)).toMatchObject({ md5: createHash('md5').update(bytes).digest('hex'), bytes: bytes.length });
  });
});

/** A tiny HTTP server answering `/` and, when given, `/favicon.ico`; every other path is 404. */
function webServer(favicon: Buffer | undefined) {
  return (socket: Socket, received: () => Buffer) => {
    socket.on('data', () => {
      const request = received();
      if (!request.includes('\r\n\r\n')) return;
      const path = request.toString('latin1').split(' ')[1];
      const reply = (status: string, type: string, body: Buffer) =>
        socket.end(Buffer.concat([text(`HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body]));
      if (path === '/') reply('200 OK', 'text/html', text('<html><head><title>Login</title></head></html>'));
      else if (path === '/favicon.ico' && favicon) reply('200 OK', 'image/x-icon', favicon);
      else reply('404 Not Found', 'text/plain', text('not found'));
    });
  };
}

// Loopback only: 127.1.2.0/24 is ours (every 127/8 address is local on Linux).
const icon = Buffer.from(Array.from({ length: 318 }, (_, index) => (index * 31 + 17) & 0xff));
let withIcon: TestServer;
let withoutIcon: TestServer;

beforeAll(async () => {
  withIcon = await startServer(webServer(icon), '127.1.2.10');
  withoutIcon = await startServer(webServer(undefined), '127.1.2.20');
});
afterAll(async () => {
  await Promise.all([withIcon.close(), withoutIcon.close()]);
});

async function probe(server: TestServer): Promise<Observation[]> {
  const log = pino({ level: 'silent' });
  const config: ScanConfig = { ...DEFAULT_SCAN_CONFIG, exchangeTimeoutMs: 800 };
  const limiter = createRateLimiter({ globalPerSecond: config.globalRatePerSecond, perHostPerSecond: config.perHostRatePerSecond });
  const context = createProbeContext({ config, log, scanId: 'scan-favicon', signal: new AbortController().signal, limiter });
  const observations: Observation[] = [];
  for await (const observation of probeBannerTargets([{ ip: server.host, port: server.port, scheme: 'http' }], context)) observations.push(observation);
  return observations;
}

describe('banner module favicon request', () => {
  it('puts the hashes of a served /favicon.ico into the port observation, with one extra request', async () => {
    const [observation, ...others] = await probe(withIcon);
    expect(others).toHaveLength(0);
    expect(observation?.http?.status).toBe(200);
    const expected = { md5: createHash('md5').update(icon).digest('hex'), mmh3: toSignedInt32(murmur3x86_32(Buffer.from(base64EncodeBytes(icon), 'latin1'))), bytes: icon.length };
    expect(observation?.http?.favicon).toEqual(expected);
    expect(withIcon.connections).toBe(2);
    expect(withIcon.received.map((request) => request.toString('latin1').split('\r\n')[0])).toEqual(['GET / HTTP/1.1', 'GET /favicon.ico HTTP/1.1']);
  });

  it('records no favicon when /favicon.ico is 404', async () => {
    const [observation] = await probe(withoutIcon);
    expect(observation?.http?.status).toBe(200);
    expect(observation?.http).not.toHaveProperty('favicon');
    expect(withoutIcon.connections).toBe(2);
  });

  it('lets the favicon rules read the hashes as the matcher sees them', () => {
    const knowledgeBase = loadKnowledgeBase();
    const observation = createObservation(
      { source: 'http', ip: '192.0.2.10', port: 80, http: { headers: {}, favicon: { md5: 'efca7d9aeaad122133c65cdf628ac574', mmh3: 999357577, bytes: 1150 } } },
      { site: 'test', agent: 'test' },
    );
    const identification = identify([observation], knowledgeBase);
    const ruleIds = identification.evidence.map((evidence) => evidence.ruleId).sort();
    expect(ruleIds).toEqual(['hikvision-http-favicon-md5-dvr', 'hikvision-http-favicon-mmh3']);
    expect(identification.vendor).toBe('Hikvision');
  });
});
