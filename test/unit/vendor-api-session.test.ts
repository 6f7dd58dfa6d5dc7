// One credentialed attempt series per device, against a real HTTP server on loopback.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveScanConfig, type Credentials } from '../../src/config.js';
import { createRateLimiter } from '../../src/discovery/engine/run.js';
import { openDeviceSession } from '../../src/discovery/vendor-api/session.js';

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
const REALM = 'IP Camera(21388)';
const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** Answers 200 to a valid MD5 Digest of admin/right, else a 401 challenge; records every Authorization it got. */
async function device(): Promise<{ port: number; authorizations: (string | undefined)[] }> {
  const authorizations: (string | undefined)[] = [];
  const server = createServer((request, response) => {
    const authorization = request.headers.authorization;
    authorizations.push(authorization);
    const field = (name: string): string | undefined => new RegExp(`${name}="?([^",]*)"?`).exec(authorization ?? '')?.[1];
    const expected = md5(`${md5(`admin:${REALM}:right`)}:${field('nonce')}:${field('nc')}:${field('cnonce')}:auth:${md5(`GET:${field('uri')}`)}`);
    if (authorization !== undefined && field('username') === 'admin' && field('response') === expected) {
      response.end('<DeviceInfo><model>DS-2CD2320D-I</model></DeviceInfo>');
      return;
    }
    response.writeHead(401, { 'WWW-Authenticate': `Digest qop="auth", realm="${REALM}", nonce="${md5(String(Math.random()))}", stale="FALSE"` }).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, authorizations };
}

const context = (credentials: Credentials[]) => ({
  config: resolveScanConfig({ exchangeTimeoutMs: 2000, credentials }),
  log: pino({ level: 'silent' }),
  limiter: createRateLimiter({ globalPerSecond: 1000, perHostPerSecond: 1000 }),
  signal: new AbortController().signal,
  reject: () => undefined,
});

describe('the credentialed attempt series', () => {
  it('answers the Digest challenge with the login configured for the range', async () => {
    const { port, authorizations } = await device();
    const session = openDeviceSession('127.0.0.1', port, 'isapi', context([{ cidr: '127.0.0.0/8', username: 'admin', password: 'right' }]));
    const reply = await session.get('/ISAPI/System/deviceInfo');
    expect(reply?.status).toBe(200);
    expect(session.authenticated).toBe(true);
    expect(authorizations).toHaveLength(2);
    expect(authorizations[0]).toBeUndefined();
    expect(authorizations[1]).toMatch(/^Digest username="admin", realm="IP Camera\(21388\)"/);
  });

  it('stops after the first refusal of the login: no second credentialed request to that device this scan', async () => {
    const { port, authorizations } = await device();
    const session = openDeviceSession('127.0.0.1', port, 'isapi', context([{ cidr: '127.0.0.0/8', username: 'admin', password: 'wrong' }]));
    expect((await session.get('/ISAPI/System/deviceInfo'))?.status).toBe(401);
    expect(await session.get('/ISAPI/System/Network/EZVIZ')).toBeUndefined();
    expect(session.ended).toMatch(/refused/);
    expect(authorizations.filter((value) => value !== undefined)).toHaveLength(1);
  });

  it('sends no credentials to an address outside every configured range', async () => {
    const { port, authorizations } = await device();
    const session = openDeviceSession('127.0.0.1', port, 'isapi', context([{ cidr: '10.0.0.0/8', username: 'admin', password: 'right' }]));
    expect((await session.get('/ISAPI/System/deviceInfo'))?.status).toBe(401);
    expect(authorizations).toEqual([undefined]);
  });
});

describe('bounds', () => {
  it('ends the series when a reply is larger than the XML bound, and says so', async () => {
    const server = createServer((_request, response) => response.end('x'.repeat(4096)));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const reasons: string[] = [];
    const base = context([]);
    const session = openDeviceSession('127.0.0.1', port, 'isapi', { ...base, config: resolveScanConfig({ exchangeTimeoutMs: 2000, maxXmlBytes: 1024 }), reject: (input) => reasons.push(input.reason) });
    expect(await session.get('/ISAPI/System/deviceInfo')).toBeUndefined();
    expect(await session.get('/ISAPI/System/Network/EZVIZ')).toBeUndefined();
    expect(session.ended).toMatch(/larger than 1024 bytes/);
    expect(reasons).toHaveLength(1);
  });
});
