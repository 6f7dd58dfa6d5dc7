import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeChunked, frameResponse } from '../../src/discovery/http/framing.js';
import { extractTitle, parseHttpResponse } from '../../src/discovery/banner/parse-http.js';
import { parseRtspResponse, publicMethods } from '../../src/discovery/banner/parse-rtsp.js';

const fixture = (path: string): Buffer => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));

function httpOf(path: string) {
  const result = parseHttpResponse(fixture(path));
  if (!result.ok) throw new Error(`fixture ${path} did not parse: ${result.reason}`);
  return result.value;
}

describe('parseHttpResponse on device replies', () => {
  it('Hikvision App-webs root: server, empty title, redirect stub in body', () => {
    const response = httpOf('http/hikvision-ipc-app-webs-root.bin');
    expect(response.status).toBe(200);
    expect(response.headers.server).toBe('App-webs/');
    expect(response.title).toBe('');
    expect(response.body).toContain('/doc/page/login.asp?_');
    expect(response.bodyTruncated).toBe(false);
  });

  it('Hikvision DNVRS-Webs 401: both WWW-Authenticate challenges joined', () => {
    const response = httpOf('http/hikvision-nvr-dnvrs-webs-401.bin');
    expect(response.status).toBe(401);
    expect(response.headers.server).toBe('DNVRS-Webs');
    expect(response.headers['www-authenticate']).toMatch(/^Digest qop="auth", realm="IP Camera\(C2183\)".*, Basic realm="hikvision"$/);
    expect(response.title).toBe('Document Error: Unauthorized');
  });

  it('Hikvision Webs 302 keeps the Location and has no body', () => {
    const response = httpOf('http/hikvision-dvr-webs-302.bin');
    expect(response).toMatchObject({ version: '1.0', status: 302, reason: 'Redirect' });
    expect(response.headers.location).toBe('http://192.0.2.64/index.asp');
    expect(response.body).toBeUndefined();
    expect(response.title).toBeUndefined();
  });

  it('keeps the UTF-8 BOM at the start of the body (it is evidence)', () => {
    const response = httpOf('http/hikvision-ipc-webserver-bom.bin');
    expect(response.body?.startsWith('\uFEFF<!doctype html>')).toBe(true);
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('Dahua login page: no Server header, upper-case names lower-cased, title', () => {
    const response = httpOf('http/dahua-ipc-login-page.bin');
    expect(response.headers.server).toBeUndefined();
    expect(response.headers.p3p).toBe('CP=CAO PSA OUR');
    expect(response.headers.etag).toBe('"1604304640:5e4a"');
    expect(Object.keys(response.headers)).toEqual(['connection', 'content-length', 'content-type', 'p3p', 'etag']);
    expect(response.title).toBe('WEB SERVICE');
    expect(response.body).toContain('ui-dialog-content');
  });

  it('Amcrest empty title and Lorex Dahua realm', () => {
    expect(httpOf('http/amcrest-ipc-empty-title.bin').title).toBe('');
    expect(httpOf('http/lorex-nvr-dahua-401.bin').headers['www-authenticate']).toContain('realm="Login to ND011811000000"');
  });

  it('decodes chunked bodies, with extensions', () => {
    const response = httpOf('http/synthetic-chunked.bin');
    expect(response.body).toBe('<html><head><title>Chunked</title>');
    expect(response.title).toBe('Chunked');
    expect(response.bodyTruncated).toBe(false);
  });

  it('neutralises ANSI escapes, invalid UTF-8 and control characters; unfolds folded headers', () => {
    const response = httpOf('http/synthetic-hostile-text.bin');
    expect(response.title).toBe('\uFFFD[31mEvil & AB \uFFFD\uFFFD name\uFFFD[0m');
    expect(response.headers.server).toBe('evil\uFFFD[2J\u00ffserver'.replace('\u00ff', '\uFFFD'));
    expect(response.headers['x-folded']).toBe('first second');
    for (const control of ['\u0000', '\u001b', '\u009b']) expect(response.body).not.toContain(control);
  });
});

describe('parseHttpResponse edge cases', () => {
  it('refuses bytes that are not HTTP', () => {
    for (const bytes of [Buffer.from([0, 0, 0, 0x10, 0, 0, 0, 0x1e]), Buffer.from('RTSP/1.0 200 OK\r\n\r\n'), Buffer.from(''), Buffer.from('SSH-2.0-OpenSSH\r\n')]) {
      const result = parseHttpResponse(bytes);
      expect(result.ok).toBe(false);
    }
  });

  it('marks a body shorter than Content-Length as truncated and cuts a longer one', () => {
    const short = parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    expect(short.ok && short.value.bodyTruncated).toBe(true);
    const long = parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef'));
    expect(long.ok && long.value.body).toBe('abc');
  });

  it('reads a head cut before its blank line as far as it goes', () => {
    const result = parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nServer: App-webs/\r\nContent-Ty'));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value.headers.server).toBe('App-webs/');
      expect(result.value.bodyTruncated).toBe(true);
    }
  });

  it('treats a header named __proto__ as a header', () => {
    const result = parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\n__proto__: x\r\nconstructor: y\r\n\r\n'));
    expect(result.ok && result.value.headers['__proto__']).toBe('x');
    expect(result.ok && Object.getPrototypeOf(result.value.headers)).toBe(Object.prototype);
  });

  it('joins repeated set-cookie with newlines', () => {
    const result = parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n'));
    expect(result.ok && result.value.headers['set-cookie']).toBe('a=1\nb=2');
  });
});

describe('extractTitle', () => {
  it('takes the first title, decodes entities, collapses whitespace and caps length', () => {
    expect(extractTitle('<TITLE lang="en">\n  Network&nbsp;Video\tRecorder &#8211; Login </TITLE><title>second</title>')).toBe('Network Video Recorder \u2013 Login');
    expect(extractTitle('<titlebar>no</titlebar>')).toBeUndefined();
    expect(extractTitle('<title>unclosed')).toBeUndefined();
    expect(extractTitle(`<title>${'x'.repeat(10_000)}</title>`)).toHaveLength(256);
    expect(extractTitle('<title>&#0;&#x110000;&#xD800;</title>')).toBe('\uFFFD\uFFFD\uFFFD');
  });

  it('stays linear on many unclosed title tags', () => {
    const started = performance.now();
    extractTitle('<title>'.repeat(40_000));
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('parseRtspResponse', () => {
  it('Hikvision OPTIONS 200: no server, public methods, double-space date trimmed', () => {
    const result = parseRtspResponse(fixture('rtsp/hikvision-ipc-options-200.bin'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.status).toBe(200);
    expect(result.value.headers.server).toBeUndefined();
    expect(result.value.headers.cseq).toBe('1');
    expect(result.value.headers.date).toBe('Thu, May 14 2020 16:45:35 GMT');
    expect(publicMethods(result.value.headers)).toContain('DESCRIBE');
  });

  it('Hikvision DESCRIBE 401 realm, DVR double challenge, Dahua server', () => {
    const describe = parseRtspResponse(fixture('rtsp/hikvision-ipc-describe-401.bin'));
    expect(describe.ok && describe.value.headers['www-authenticate']).toContain('realm="IP Camera(C2875)"');
    const dvr = parseRtspResponse(fixture('rtsp/hikvision-dvr-options-401.bin'));
    expect(dvr.ok && dvr.value.headers['www-authenticate']).toMatch(/realm="Hikvision".*, Basic realm="\/"$/);
    const dahua = parseRtspResponse(fixture('rtsp/dahua-ipc-options-401.bin'));
    expect(dahua.ok && dahua.value.headers.server).toBe('Dahua Rtsp Server');
    const dahua405 = parseRtspResponse(fixture('rtsp/dahua-ipc-405.bin'));
    expect(dahua405.ok && dahua405.value).toMatchObject({ status: 405, reason: 'Method Not Allowed', headTruncated: false });
  });

  it('refuses HTTP and binary', () => {
    expect(parseRtspResponse(fixture('http/hikvision-dvr-webs-302.bin')).ok).toBe(false);
    expect(parseRtspResponse(Buffer.from([0xff, 0x00, 0x0d, 0x0a])).ok).toBe(false);
  });
});

describe('frameResponse', () => {
  const limits = { maxHeaderBytes: 64, maxBodyBytes: 16 };
  it('completes by Content-Length, by chunk end, and never for close-delimited bodies', () => {
    expect(frameResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab'), 'HTTP', limits)).toEqual({ state: 'need-more' });
    expect(frameResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcXX'), 'HTTP', limits)).toEqual({ state: 'complete', length: 41 });
    const chunked = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    expect(frameResponse(chunked, 'HTTP', limits)).toEqual({ state: 'complete', length: chunked.length });
    expect(frameResponse(Buffer.from('HTTP/1.1 200 OK\r\n\r\nabc'), 'HTTP', limits)).toEqual({ state: 'need-more' });
    expect(frameResponse(Buffer.from('HTTP/1.1 304 Not Modified\r\n\r\n'), 'HTTP', limits)).toEqual({ state: 'complete', length: 29 });
  });

  it('caps header and body', () => {
    expect(frameResponse(Buffer.alloc(64, 0x41), 'HTTP', limits)).toEqual({ state: 'capped', length: 64, cap: 'header' });
    const head = 'HTTP/1.1 200 OK\r\n\r\n';
    expect(frameResponse(Buffer.from(head + 'x'.repeat(40)), 'HTTP', limits)).toEqual({ state: 'capped', length: head.length + 16, cap: 'body' });
    expect(frameResponse(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${'x'.repeat(20)}`), 'HTTP', limits).state).toBe('capped');
  });

  it('RTSP: a head without Content-Length is a whole message; the next message stays in the buffer', () => {
    const two = Buffer.from('RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\nRTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n\r\n');
    expect(frameResponse(two, 'RTSP', limits)).toEqual({ state: 'complete', length: 28 });
  });

  it('decodeChunked reports malformed framing', () => {
    expect(decodeChunked(Buffer.from('zz\r\nabc'), 0).malformed).toBe(true);
    expect(decodeChunked(Buffer.from('3\r\nabcX'), 0).malformed).toBe(true);
    expect(decodeChunked(Buffer.from('3\r\nab'), 0)).toMatchObject({ complete: false, malformed: false });
  });
});
