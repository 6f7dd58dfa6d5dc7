// The one bounded HTTP request to a device (UPnP description, ONVIF SOAP, favicon): real servers on loopback only.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveScanConfig, type ScanConfig } from '../../src/config.js';
import { DeviceRequestError, deviceRequest, deviceRequestWithDigest, type DeviceRequest } from '../../src/discovery/http/request.js';
import { createScanScope } from '../../src/net/scope.js';
import { answerOnce, startServer, type TestServer } from '../fixtures/http/servers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(behaviour: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const server = await startServer(behaviour);
  servers.push(server);
  return server;
}

function context(overrides: Partial<ScanConfig> = {}) {
  return { config: resolveScanConfig({ exchangeTimeoutMs: 400, ...overrides }), limiter: { take: async () => undefined }, signal: new AbortController().signal };
}

function get(server: TestServer, overrides: Partial<DeviceRequest> = {}): DeviceRequest {
  return { responder: server.host, url: new URL(`http://${server.host}:${server.port}/description.xml`), method: 'GET', maxBodyBytes: 1024, what: 'description', ...overrides };
}

async function failure(promise: Promise<unknown>): Promise<DeviceRequestError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(DeviceRequestError);
  return error as DeviceRequestError;
}

const http = (head: string, body = ''): Buffer => Buffer.from(`HTTP/1.1 ${head}\r\n\r\n${body}`, 'latin1');

describe('deviceRequest', () => {
  it('sends one request with our own head and returns status, headers and the decoded body', async () => {
    const server = await serve(answerOnce(http('200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked', '5\r\n<root\r\n2\r\n/>\r\n0\r\n\r\n')));
    const response = await deviceRequest(get(server, { headers: { Accept: 'text/xml' } }), context());
    expect(response).toMatchObject({ status: 200, headers: { 'content-type': 'text/xml' } });
    expect(response.body.toString()).toBe('<root/>');
    const head = server.received[0]?.toString('latin1') ?? '';
    expect(head).toMatch(new RegExp(`^GET /description.xml HTTP/1.1\\r\\nHost: 127.0.0.1:${server.port}\\r\\nUser-Agent: camaudit/`));
    expect(head).toContain('Accept: text/xml\r\nConnection: close\r\n\r\n');
  });

  it('posts a body with its length, and returns a redirect as it is, without following it', async () => {
    const server = await serve(answerOnce(http('302 Found\r\nLocation: http://10.9.9.9/\r\nContent-Length: 0')));
    const response = await deviceRequest(get(server, { method: 'POST', body: Buffer.from('<x/>') }), context());
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('http://10.9.9.9/');
    expect(server.connections).toBe(1);
    expect(server.received[0]?.toString('latin1')).toMatch(/^POST \/description.xml HTTP\/1.1\r\n[^]*Content-Length: 4\r\n[^]*\r\n\r\n<x\/>$/);
  });

  it('refuses a URL on another host than the responder, or with credentials, before connecting', async () => {
    const server = await serve(answerOnce(http('200 OK\r\nContent-Length: 0')));
    const elsewhere = await failure(deviceRequest(get(server, { responder: '127.0.0.2' }), context()));
    expect(elsewhere.reason).toBe('refused-target');
    const withUser = await failure(deviceRequest(get(server, { url: new URL(`http://admin:x@127.0.0.1:${server.port}/`) }), context()));
    expect(withUser.reason).toBe('refused-target');
    expect(server.connections).toBe(0);
  });

  it("refuses a responder outside the scan's scope before connecting, even when it is the URL's host", async () => {
    const server = await serve(answerOnce(http('200 OK\r\nContent-Length: 0')));
    const outside = await failure(deviceRequest(get(server), { ...context(), scope: createScanScope(['10.0.0.0/8'], []) }));
    expect(outside.reason).toBe('refused-target');
    expect(outside.message).toMatch(/127\.0\.0\.1 is outside the scan's ranges \(10\.0\.0\.0\/8\)/);
    expect(server.connections).toBe(0);
    const inside = await deviceRequest(get(server), { ...context(), scope: createScanScope(['127.0.0.0/8'], []) });
    expect(inside.status).toBe(200);
  });

  it('fails as a bound exceeded on a body over the cap, declared or sent, and on an oversized head', async () => {
    const declared = await serve(answerOnce(http('200 OK\r\nContent-Length: 100000')));
    expect(await failure(deviceRequest(get(declared), context()))).toMatchObject({ reason: 'too-large', boundExceeded: true, message: 'description larger than 1024 bytes (it declares 100000)' });
    const streamed = await serve(answerOnce(http('200 OK', 'A'.repeat(5000))));
    expect(await failure(deviceRequest(get(streamed), context()))).toMatchObject({ reason: 'too-large', message: 'description larger than 1024 bytes' });
    const head = await serve(answerOnce(http(`200 OK\r\nX-Pad: ${'p'.repeat(2000)}`)));
    expect(await failure(deviceRequest(get(head), context({ maxHeaderBytes: 1024 })))).toMatchObject({ reason: 'too-large', message: 'description headers larger than 1024 bytes' });
  });

  it('fails at the deadline on a device that trickles, and on a body cut short', async () => {
    const trickle = await serve((socket) => {
      const timer = setInterval(() => socket.write('H'), 50);
      socket.on('close', () => clearInterval(timer));
    });
    const started = performance.now();
    expect(await failure(deviceRequest(get(trickle), context()))).toMatchObject({ reason: 'timeout', boundExceeded: true, message: 'no complete description within 400 ms' });
    expect(performance.now() - started).toBeLessThan(1500);
    const cut = await serve(answerOnce(http('200 OK\r\nContent-Length: 50', 'short')));
    expect(await failure(deviceRequest(get(cut), context()))).toMatchObject({ reason: 'closed', boundExceeded: false });
  });

  it('fails as not-http on a reply that is not HTTP', async () => {
    const server = await serve(answerOnce(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n\r\n')));
    expect((await failure(deviceRequest(get(server), context()))).reason).toBe('not-http');
  });
});

describe('deviceRequestWithDigest', () => {
  const realm = 'IP Camera(C2183)';
  const nonce = 'abc123';
  const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

  /** Refuses without an Authorization header; with one, answers 200 when it is the right Digest answer, else 401. */
  const digestDevice = () =>
    serve((socket, received) => {
      socket.on('data', () => {
        const request = received().toString('latin1');
        if (!request.includes('\r\n\r\n')) return;
        const authorization = /\r\nAuthorization: (.*)\r\n/.exec(request)?.[1];
        const challenge = `401 Unauthorized\r\nWWW-Authenticate: Digest realm="${realm}", nonce="${nonce}", qop="auth"\r\nContent-Length: 0`;
        if (authorization === undefined) return void socket.end(http(challenge));
        const field = (name: string): string => new RegExp(`${name}="?([^",]*)"?`).exec(authorization)?.[1] ?? '';
        const expected = md5(`${md5(`admin:${realm}:lab-pass-1`)}:${nonce}:${field('nc')}:${field('cnonce')}:auth:${md5('GET:/ISAPI/System/deviceInfo')}`);
        socket.end(field('response') === expected ? http('200 OK\r\nContent-Length: 4', '<ok>') : http(challenge));
      });
    });

  it('asks once without credentials, then once with the Digest answer', async () => {
    const server = await digestDevice();
    const request = get(server, { url: new URL(`http://127.0.0.1:${server.port}/ISAPI/System/deviceInfo`) });
    const response = await deviceRequestWithDigest(request, { username: 'admin', password: 'lab-pass-1' }, context());
    expect(response).toMatchObject({ status: 200, credentialsSent: true });
    expect(response.body.toString()).toBe('<ok>');
    expect(server.connections).toBe(2);
  });

  it('stops after one refused answer, and sends no credentials to a device that asked for none', async () => {
    const server = await digestDevice();
    const request = get(server, { url: new URL(`http://127.0.0.1:${server.port}/ISAPI/System/deviceInfo`) });
    expect(await deviceRequestWithDigest(request, { username: 'admin', password: 'wrong' }, context())).toMatchObject({ status: 401, credentialsSent: true });
    expect(server.connections).toBe(2);
    const open = await serve(answerOnce(http('200 OK\r\nContent-Length: 0')));
    expect(await deviceRequestWithDigest(get(open), { username: 'admin', password: 'lab-pass-1' }, context())).toMatchObject({ status: 200, credentialsSent: false });
    expect(open.received[0]?.toString('latin1')).not.toContain('Authorization');
  });
});
