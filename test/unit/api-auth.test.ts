import { afterEach, describe, expect, it } from 'vitest';
import { decideAuth, isLoopbackHost, startServer, tokenMatches } from '../../src/api/index.js';
import { bearerToken } from '../../src/api/auth.js';
import { startApi, type RunningApi } from './api-helpers.js';
import { silentLog, tempInventory } from './inventory-helpers.js';

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
      expect(decideAuth({ host, token: 's3cret-token-value' })).toEqual({ tokenRequired: true });
    }
    expect(decideAuth({ host: '127.0.0.1', token: 'x' })).toEqual({ tokenRequired: true });
    expect(() => decideAuth({ host: '127.0.0.1', requireToken: true })).toThrow(expect.objectContaining({ code: 'CAMAUDIT_ERR_TOKEN_REQUIRED' }));
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
  const TOKEN = 'correct-horse-battery-staple';

  it('refuses every route but /health without the token or with a wrong one, and accepts the right one', async () => {
    api = await startApi({ token: TOKEN, requireToken: true });
    const protectedPaths = ['/devices', '/devices/x', '/scans', '/scans/x', '/scans/x/diff', '/export.csv', '/export.json', '/export.jsonl', '/export.xlsx', '/docs', '/docs/json', '/no-such-route'];
    for (const path of protectedPaths) {
      const missing = await api.get(path);
      expect(missing.status, path).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="camaudit"');
      expect(await missing.json()).toMatchObject({ code: 'CAMAUDIT_ERR_UNAUTHORIZED' });
      const wrong = await api.get(path, { authorization: 'Bearer not-the-token' });
      expect(wrong.status, path).toBe(401);
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
  });

  it('a loopback server without a token is open', async () => {
    api = await startApi();
    expect((await api.get('/devices')).status).toBe(200);
  });
});
