import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { decideAuth, isLoopbackHost, isLoopbackHostHeader, MIN_TOKEN_LENGTH, startServer, tokenMatches } from '../../src/api/index.js';
import { bearerToken } from '../../src/api/auth.js';
import { startApi, type RunningApi } from './api-helpers.js';
import { silentLog, tempInventory } from './inventory-helpers.js';

const LONG_TOKEN = 'k3Jx9vQm2Lr8TzW4nB6yHc1dFp5sGa7e';

/** One GET over a real socket with the Host header we choose (fetch would not let us set it). */
function getWithHost(url: string, path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path, method: 'GET', headers: { ...headers, host } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('the auth decision (pure)', () => {
  it('needs no token on loopback, and refuses any other address without one', async () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host)).toBe(true);
      expect(decideAuth({ host })).toEqual({ tokenRequired: false });
    }
    for (const host of ['0.0.0.0', '::', '', '10.0.0.5', '192.168.1.10', 'camaudit.example', '128.0.0.1', '::ffff:10.0.0.1']) {
      expect(isLoopbackHost(host)).toBe(false);
      expect(() => decideAuth({ host })).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_TOKEN_REQUIRED' }));
      expect(() => decideAuth({ host, token: '' })).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_TOKEN_REQUIRED' }));
      expect(decideAuth({ host, token: LONG_TOKEN })).toEqual({ tokenRequired: true });
    }
    expect(decideAuth({ host: '127.0.0.1', token: LONG_TOKEN })).toEqual({ tokenRequired: true });
    expect(() => decideAuth({ host: '127.0.0.1', requireToken: true })).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_TOKEN_REQUIRED' }));
  });

  it('refuses a token shorter than 32 characters, wherever the server listens', () => {
    expect(LONG_TOKEN).toHaveLength(MIN_TOKEN_LENGTH);
    for (const host of ['127.0.0.1', '0.0.0.0', '10.0.0.5']) {
      for (const token of ['x', 's3cret-token-value', LONG_TOKEN.slice(1)]) {
        expect(() => decideAuth({ host, token })).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_WEAK_TOKEN' }));
      }
    }
  });

  it('knows the Host headers that name a loopback API, and no other', () => {
    for (const header of ['127.0.0.1', '127.0.0.1:7370', 'localhost', 'LOCALHOST:7370', '[::1]', '[::1]:7370']) expect(isLoopbackHostHeader(header, '127.0.0.1'), header).toBe(true);
    expect(isLoopbackHostHeader('127.0.0.2:7370', '127.0.0.2')).toBe(true);
    for (const header of [undefined, '', 'evil.example', 'evil.example:7370', '127.0.0.1.evil.example', 'localhost.evil.example:7370', '127.0.0.2:7370', '::1', '[::1]:x', '127.0.0.1:7370:1', 'localhost:']) {
      expect(isLoopbackHostHeader(header, '127.0.0.1'), String(header)).toBe(false);
    }
  });

  it('compares tokens whatever their length, and reads only Bearer headers', async () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abd')).toBe(false);
    expect(tokenMatches('abc', 'abcabc')).toBe(false);
    expect(tokenMatches('abc', '')).toBe(false);
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('startServer refuses to bind a non-loopback address without a token (before binding anything)', async () => {
    const temp = await tempInventory('sqlite', 'camaudit-api-auth-');
    await expect(startServer({ inventory: temp.inventory, log: silentLog, host: '0.0.0.0', port: 0 })).rejects.toMatchObject({ code: 'CAMAUDIT_ERR_TOKEN_REQUIRED' });
    await temp.cleanup();
  });
});

describe('a server that requires a token (real HTTP)', () => {
  let api: RunningApi;
  afterEach(async () => api.close());
  const TOKEN = LONG_TOKEN;

  it('refuses every route but /health without the token or with a wrong one, and accepts the right one', async () => {
    api = await startApi({ token: TOKEN, requireToken: true });
    const protectedPaths = ['/devices', '/devices/x', '/scans', '/scans/x', '/scans/x/diff', '/export.csv', '/export.json', '/export.jsonl', '/export.xlsx', '/docs', '/docs/json', '/no-such-route'];
    for (const path of protectedPaths) {
      const missing = await api.get(path);
      expect(missing.status, path).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="camaudit"');
      expect(await missing.json()).toMatchObject({ code: 'CAMAUDIT_ERR_UNAUTHORIZED' });
      const basic = await api.get(path, { authorization: `Basic ${TOKEN}` });
      expect(basic.status, path).toBe(401);
    }
    const patch = await fetch(`${api.url}/devices/x`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"notes":"x"}' });
    expect(patch.status).toBe(401);
    const post = await fetch(`${api.url}/scans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"cidrs":["10.0.0.0/24"]}' });
    expect(post.status).toBe(401);

    expect((await api.get('/health')).status).toBe(200);
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await api.get('/devices', auth)).status).toBe(200);
    expect((await api.get('/scans', auth)).status).toBe(200);
    expect((await api.get('/export.csv', auth)).status).toBe(200);
    expect((await api.get('/docs/json', auth)).status).toBe(200);
    expect((await api.get('/devices/x', auth)).status).toBe(404);
    for (let attempt = 0; attempt < 2; attempt += 1) expect((await api.get('/devices', { authorization: 'Bearer not-the-token' })).status).toBe(401);
  });

  it('slows repeated wrong tokens: after 3 in a row the address waits 1 s, 2 s, … even with the right token', async () => {
    let now = 1_000_000;
    api = await startApi({ token: TOKEN, requireToken: true, now: () => now });
    const wrong = { authorization: 'Bearer not-the-token-but-long-enough-xxxxxxxx' };
    const right = { authorization: `Bearer ${TOKEN}` };
    for (let attempt = 0; attempt < 3; attempt += 1) expect((await api.get('/devices', wrong)).status).toBe(401);
    const slowed = await api.get('/devices', right);
    expect(slowed.status).toBe(429);
    expect(slowed.headers.get('retry-after')).toBe('1');
    expect(await slowed.json()).toMatchObject({ code: 'CAMAUDIT_ERR_TOO_MANY_FAILURES' });
    now += 1001;
    expect((await api.get('/devices', wrong)).status).toBe(401);
    const longer = await api.get('/devices', right);
    expect(longer.status).toBe(429);
    expect(longer.headers.get('retry-after')).toBe('2');
    now += 2001;
    // The right token, once the wait is over, clears the record: the next mistake is free again.
    expect((await api.get('/devices', right)).status).toBe(200);
    expect((await api.get('/devices', wrong)).status).toBe(401);
    expect((await api.get('/devices', right)).status).toBe(200);
    // Requests that carry no token at all are an unconfigured client, not guesses.
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await api.get('/devices')).status).toBe(401);
    expect((await api.get('/devices', right)).status).toBe(200);
  });

  it('a loopback server without a token is open to loopback names', async () => {
    api = await startApi();
    expect((await api.get('/devices')).status).toBe(200);
    const port = new URL(api.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`]) expect((await getWithHost(api.url, '/devices', host)).status, host).toBe(200);
  });

  it('DNS rebinding: a page whose name points at 127.0.0.1 can neither read, edit nor scan without a token', async () => {
    api = await startApi({ allowedCidrs: ['10.9.0.0/24'], startScan: async () => 'never' });
    const port = new URL(api.url).port;
    for (const host of [`rebind.attacker.example:${port}`, 'rebind.attacker.example', `127.0.0.1.nip.example:${port}`, `10.0.0.1:${port}`]) {
      for (const path of ['/devices', '/scans', '/export.csv', '/health', '/docs/json']) {
        const response = await getWithHost(api.url, path, host);
        expect(response.status, `${host} ${path}`).toBe(403);
        expect(JSON.parse(response.body)).toMatchObject({ code: 'CAMAUDIT_ERR_FOREIGN_HOST' });
      }
    }
    const { hostname } = new URL(api.url);
    const send = (method: string, path: string, body: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const request = httpRequest({ hostname, port, path, method, headers: { host: `rebind.attacker.example:${port}`, 'content-type': 'application/json' } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on('error', reject);
        request.end(body);
      });
    expect(await send('POST', '/scans', '{"cidrs":["10.9.0.0/24"]}')).toBe(403);
    expect(await send('PATCH', '/devices/x', '{"owner":"attacker"}')).toBe(403);
  });
});
