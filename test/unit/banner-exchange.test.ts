import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpExchange, rtspExchange, USER_AGENT, type ExchangeLimits } from '../../src/discovery/banner/exchange.js';
import { answerOnce, closedPort, makeSelfSignedCertificate, startServer, startTlsServer, type TestServer } from '../fixtures/http/servers.js';

const fixture = (path: string): Buffer => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));
const limits: ExchangeLimits = { connectTimeoutMs: 500, exchangeTimeoutMs: 600, maxHeaderBytes: 4096, maxBodyBytes: 64 * 1024 };
const never = new AbortController().signal;
const servers: TestServer[] = [];
const serve = async (server: Promise<TestServer>): Promise<TestServer> => {
  const started = await server;
  servers.push(started);
  return started;
};
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe('httpExchange over real sockets on 127.0.0.1', () => {
  it('reads a well-behaved reply and sends exactly our GET', async () => {
    const server = await serve(startServer(answerOnce(fixture('http/dahua-ipc-login-page.bin'))));
    const result = await httpExchange({ ip: '127.0.0.1', port: server.port }, false, limits, never);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(result.response.title).toBe('WEB SERVICE');
    expect(result.response.bodyTruncated).toBe(false);
    expect(result.end).toBe('complete');
    expect(server.received[0]?.toString('latin1')).toBe(
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUser-Agent: ${USER_AGENT}\r\n` +
        'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nConnection: close\r\n\r\n',
    );
    expect(USER_AGENT).toMatch(/^camaudit\/\d+\.\d+\.\d+/);
  });

  it('finishes as soon as Content-Length is met when the device ignores Connection: close', async () => {
    const server = await serve(startServer((socket) => socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'))));
    const started = performance.now();
    const result = await httpExchange({ ip: '127.0.0.1', port: server.port }, false, { ...limits, exchangeTimeoutMs: 1500 }, never);
    expect(performance.now() - started).toBeLessThan(300);
    expect(result.ok && result.response.body).toBe('ok');
  });

  it('gives up on a device that never answers at the absolute deadline', async () => {
    const server = await serve(startServer(() => undefined));
    const started = performance.now();
    const result = await httpExchange({ ip: '127.0.0.1', port: server.port }, false, limits, never);
    const elapsedMs = performance.now() - started;
    expect(result).toMatchObject({ ok: false, stage: 'response', reason: 'no-reply', end: 'deadline' });
    expect(elapsedMs).toBeGreaterThanOrEqual(limits.exchangeTimeoutMs - 20);
    expect(elapsedMs).toBeLessThan(limits.exchangeTimeoutMs + 400);
  });

  it('cuts a device trickling a byte every 200 ms at the absolute deadline, keeping what came', async () => {
    const server = await serve(
      startServer((socket) => {
        socket.once('data', () => {
          socket.write('HTTP/1.1 200 OK\r\nServer: slow\r\n');
          const timer = setInterval(() => socket.write('x'), 200);
          socket.on('close', () => clearInterval(timer));
        });
      }),
    );
    const started = performance.now();
    const result = await httpExchange({ ip: '127.0.0.1', port: server.port }, false, { ...limits, exchangeTimeoutMs: 900 }, never);
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeGreaterThanOrEqual(880);
    expect(elapsedMs).toBeLessThan(1300);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.end).toBe('deadline');
    expect(result.response.status).toBe(200);
    expect(result.response.headers.server).toBe('slow');
    expect(result.response.bodyTruncated).toBe(true);
  });

  it('cuts an endless body at the cap, marks it truncated and drops the connection', async () => {
    let serverSawClose = false;
    const server = await serve(
      startServer((socket) => {
        socket.once('data', () => {
          socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<title>endless</title>');
          const chunk = Buffer.alloc(16 * 1024, 0x61);
          const pump = (): void => {
            while (!socket.destroyed && socket.write(chunk));
            if (!socket.destroyed) socket.once('drain', pump);
          };
          pump();
          socket.on('close', () => (serverSawClose = true));
        });
      }),
    );
    const started = performance.now();
    const result = await httpExchange({ ip: '127.0.0.1', port: server.port }, false, limits, never);
    expect(performance.now() - started).toBeLessThan(300);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.end).toBe('capped');
    expect(result.response.bodyTruncated).toBe(true);
    expect(result.response.title).toBe('endless');
    expect(result.response.body?.length).toBe(limits.maxBodyBytes);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(serverSawClose).toBe(true);
  });

  it('cuts an endless header block at the header cap', async () => {
    const server = await serve(
      startServer((socket) => {
        socket.once('data', () => {
          socket.write('HTTP/1.1 200 OK\r\n');
          const timer = setInterval(() => socket.write('X-Filler: ' + 'y'.repeat(1000) + '\r\n'), 1);
          socket.on('close', () => clearInterval(timer));
        });
      }),
    );
    const result = await httpExchange({ ip: '127.0.0.1', port: server.port }, false, limits, never);
    expect(result.ok && result.end).toBe('capped');
    expect(result.ok && result.response.status).toBe(200);
  });

  it('reports a closed port as refused, quickly', async () => {
    const port = await closedPort();
    const started = performance.now();
    const result = await httpExchange({ ip: '127.0.0.1', port }, false, limits, never);
    expect(result).toMatchObject({ ok: false, stage: 'connect', reason: 'refused' });
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('reports binary replies (the Hikvision SDK port) as not-http with their first bytes', async () => {
    const server = await serve(startServer((socket) => socket.once('data', () => socket.end(Buffer.from('000000100000001e0102', 'hex')))));
    const result = await httpExchange({ ip: '127.0.0.1', port: server.port }, false, limits, never);
    expect(result).toMatchObject({ ok: false, stage: 'response', reason: 'not-http', firstBytesHex: '000000100000001e0102' });
  });

  it('stops promptly when the scan is aborted', async () => {
    const server = await serve(startServer(() => undefined));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted')), 50);
    const started = performance.now();
    const result = await httpExchange({ ip: '127.0.0.1', port: server.port }, false, { ...limits, exchangeTimeoutMs: 1500 }, controller.signal);
    expect(performance.now() - started).toBeLessThan(200);
    expect(result).toMatchObject({ ok: false, end: 'aborted' });
  });
});

describe('HTTPS', () => {
  const subject = '/C=CN/ST=ZheJiang/L=HangZhou/O=HIKVISION/OU=DVRNVR/CN=www.hikvision.com';
  let credentials: { key: Buffer; cert: Buffer };
  beforeAll(() => {
    credentials = makeSelfSignedCertificate(subject);
  });

  it('captures the certificate subject in CN,OU,O,L,ST,C order and reads the page', async () => {
    const server = await serve(startTlsServer(credentials, answerOnce(fixture('http/hikvision-ipc-app-webs-root.bin'))));
    const result = await httpExchange({ ip: '127.0.0.1', port: server.port }, true, limits, never);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.url).toBe(`https://127.0.0.1:${server.port}/`);
    expect(result.response.headers.server).toBe('App-webs/');
    const x509 = new X509Certificate(credentials.cert);
    expect(result.tls).toEqual({
      subject: 'CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN',
      issuer: 'CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN',
      serialNumber: x509.serialNumber,
      validFrom: new Date(x509.validFrom).toISOString(),
      validTo: new Date(x509.validTo).toISOString(),
      fingerprint256: x509.fingerprint256,
      selfSigned: true,
    });
    expect(server.received[0]?.toString('latin1')).toMatch(/^GET \/ HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\n/);
  });

  it('keeps the certificate when the HTTP part fails', async () => {
    const server = await serve(startTlsServer(credentials, (socket) => socket.once('data', () => socket.end())));
    const result = await httpExchange({ ip: '127.0.0.1', port: server.port }, true, limits, never);
    expect(result.ok).toBe(false);
    expect(result.tls?.subject).toContain('O=HIKVISION');
  });

  it('fails cleanly when TLS is spoken to a plain HTTP port', async () => {
    const server = await serve(startServer(answerOnce(fixture('http/hikvision-dvr-webs-302.bin'))));
    const result = await httpExchange({ ip: '127.0.0.1', port: server.port }, true, limits, never);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.stage).toBe('connect');
  });
});

describe('rtspExchange', () => {
  const rtspServer = (optionsReply: Buffer, describeReply?: Buffer) =>
    startServer((socket, received) => {
      let answered = 0;
      socket.on('data', () => {
        const messages = received().toString('latin1').split('\r\n\r\n').length - 1;
        while (answered < messages) {
          answered += 1;
          socket.write(answered === 1 ? optionsReply : (describeReply ?? optionsReply));
        }
      });
    });

  it('Hikvision: OPTIONS 200 then DESCRIBE without credentials yields the realm', async () => {
    const server = await serve(rtspServer(fixture('rtsp/hikvision-ipc-options-200.bin'), fixture('rtsp/hikvision-ipc-describe-401.bin')));
    const result = await rtspExchange({ ip: '127.0.0.1', port: server.port }, limits, never);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.options.status).toBe(200);
    expect(result.describe?.status).toBe(401);
    expect(result.describe?.headers['www-authenticate']).toContain('IP Camera(C2875)');
    const sent = server.received[0]?.toString('latin1') ?? '';
    expect(sent).toBe(
      `OPTIONS rtsp://127.0.0.1:${server.port}/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: ${USER_AGENT}\r\n\r\n` +
        `DESCRIBE rtsp://127.0.0.1:${server.port}/ RTSP/1.0\r\nCSeq: 2\r\nUser-Agent: ${USER_AGENT}\r\nAccept: application/sdp\r\n\r\n`,
    );
    expect(sent).not.toMatch(/authorization/i);
    expect(result.elapsedMs).toBeLessThan(300);
  });

  it('Dahua: OPTIONS 401 is enough, no DESCRIBE is sent', async () => {
    const server = await serve(rtspServer(fixture('rtsp/dahua-ipc-options-401.bin')));
    const result = await rtspExchange({ ip: '127.0.0.1', port: server.port }, limits, never);
    expect(result.ok && result.options.headers.server).toBe('Dahua Rtsp Server');
    expect(result.ok && result.describe).toBeUndefined();
    expect(server.received[0]?.toString('latin1')).not.toContain('DESCRIBE');
  });

  it('an HTTP server on the RTSP port is not RTSP', async () => {
    const server = await serve(startServer(answerOnce(fixture('http/hikvision-dvr-webs-302.bin'))));
    const result = await rtspExchange({ ip: '127.0.0.1', port: server.port }, limits, never);
    expect(result).toMatchObject({ ok: false, reason: 'not-rtsp' });
  });

  it('a silent RTSP port ends at the deadline', async () => {
    const server = await serve(startServer(() => undefined));
    const started = performance.now();
    const result = await rtspExchange({ ip: '127.0.0.1', port: server.port }, limits, never);
    expect(result).toMatchObject({ ok: false, reason: 'no-reply', end: 'deadline' });
    expect(performance.now() - started).toBeLessThan(limits.exchangeTimeoutMs + 400);
  });
});

describe('request builders', () => {
  it('omit the default port from Host and never carry credentials', async () => {
    const { buildHttpRequest, buildRtspRequest } = await import('../../src/discovery/banner/exchange.js');
    expect(buildHttpRequest({ ip: '10.0.0.5', port: 80 }, false).toString()).toMatch(/^GET \/ HTTP\/1\.1\r\nHost: 10\.0\.0\.5\r\n/);
    expect(buildHttpRequest({ ip: '10.0.0.5', port: 443 }, true).toString()).toMatch(/^GET \/ HTTP\/1\.1\r\nHost: 10\.0\.0\.5\r\n/);
    expect(buildHttpRequest({ ip: '10.0.0.5', port: 8443 }, true).toString()).toContain('Host: 10.0.0.5:8443\r\n');
    for (const request of [buildHttpRequest({ ip: '10.0.0.5', port: 80 }, false), buildRtspRequest('DESCRIBE', { ip: '10.0.0.5', port: 554 }, 2)]) {
      expect(request.toString()).not.toMatch(/authorization/i);
    }
  });
});
