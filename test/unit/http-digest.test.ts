// HTTP Digest: the RFC's own worked examples, and challenges as cameras send them.
import { describe, expect, it } from 'vitest';
import { digestAuthorization, digestResponse, parseDigestChallenge, type DigestChallenge } from '../../src/discovery/http/digest.js';

function challenge(header: string): DigestChallenge {
  const result = parseDigestChallenge(header);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

describe('digestResponse on the RFCs worked examples', () => {
  it('RFC 2617 §3.5 (MD5, qop auth)', () => {
    const parsed = challenge('Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"');
    const answer = { username: 'Mufasa', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', cnonce: '0a4f113b', nonceCount: 1 };
    expect(digestResponse(parsed, answer)).toBe('6629fae49393a05397450978507c4ef1');
    const header = digestAuthorization(parsed, answer);
    expect(header).toMatch(/^Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="\/dir\/index.html", algorithm=MD5, /);
    expect(header).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(header).toContain('qop=auth, nc=00000001, cnonce="0a4f113b", opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  });

  it('RFC 7616 §3.9.1 (MD5 and SHA-256, qop auth)', () => {
    const header = (algorithm: string) =>
      `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;
    const answer = { username: 'Mufasa', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ', nonceCount: 1 };
    expect(digestResponse(challenge(header('MD5')), answer)).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(digestResponse(challenge(header('SHA-256')), answer)).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });
});

describe('parseDigestChallenge on challenges cameras send', () => {
  it('reads a Hikvision challenge (realm form of ISAPI and RTSP 401 replies)', () => {
    expect(challenge('Digest qop="auth", realm="IP Camera(C2183)", nonce="938032d91ffc30ca80b5da94c18887ac", stale="FALSE"')).toEqual({
      realm: 'IP Camera(C2183)',
      nonce: '938032d91ffc30ca80b5da94c18887ac',
      algorithm: 'MD5',
      qop: 'auth',
      stale: false,
    });
  });

  it('reads a Dahua-style ONVIF challenge without spaces and with an empty opaque (Quedale/OnvifDeviceManager#19)', () => {
    expect(challenge('Digest realm="Login to 0ccf58c7410332c7caa363406561b351",qop="auth",nonce="b252aWYtZGlnZXN0OjQzNTY3Mzg5NDgw", opaque="", stale="false"')).toEqual({
      realm: 'Login to 0ccf58c7410332c7caa363406561b351',
      nonce: 'b252aWYtZGlnZXN0OjQzNTY3Mzg5NDgw',
      algorithm: 'MD5',
      qop: 'auth',
      opaque: '',
      stale: false,
    });
  });

  it('finds the Digest challenge among several, and reads an RFC 2069 one without qop', () => {
    expect(challenge('Basic realm="hikvision", Digest realm="x", nonce="n1", algorithm=MD5').realm).toBe('x');
    expect(challenge('Basic dXNlcjpwYXNz==, Digest realm="y", nonce="n2"')).toEqual({ realm: 'y', nonce: 'n2', algorithm: 'MD5', stale: false });
    expect(challenge('Negotiate a/b+c==, Digest realm="z", nonce="n4" ; stray').realm).toBe('z');
    expect(challenge('Digest realm="a \\"quoted\\" realm", nonce="n3", stale=TRUE')).toMatchObject({ realm: 'a "quoted" realm', stale: true });
  });

  it('prefers SHA-256 with qop when the device offers it, whatever the order of its challenges', () => {
    const md5 = 'Digest realm="IP Camera(C2183)", nonce="m", qop="auth", algorithm=MD5';
    const sha = 'Digest realm="IP Camera(C2183)", nonce="s", qop="auth", algorithm=SHA-256';
    const shaNoQop = 'Digest realm="IP Camera(C2183)", nonce="t", algorithm=SHA-256';
    expect(challenge(`${md5}, ${sha}`)).toMatchObject({ algorithm: 'SHA-256', qop: 'auth', nonce: 's' });
    expect(challenge(`${sha}, ${md5}`)).toMatchObject({ algorithm: 'SHA-256', qop: 'auth', nonce: 's' });
    expect(challenge(`${shaNoQop}, ${md5}`)).toMatchObject({ algorithm: 'MD5', qop: 'auth' });
    expect(challenge(`${shaNoQop}, ${md5.replace(', qop="auth"', '')}`)).toMatchObject({ algorithm: 'SHA-256', nonce: 't' });
    expect(challenge(`${md5}, Digest realm="r", nonce="x", qop="auth", algorithm=SHA-512-256`)).toMatchObject({ algorithm: 'MD5' });
  });

  it('keeps the first of a repeated parameter', () => {
    expect(challenge('Digest realm="first", realm="second", nonce="n"').realm).toBe('first');
  });

  it('refuses what it cannot answer, with a reason', () => {
    const reason = (header: string) => {
      const result = parseDigestChallenge(header);
      return result.ok ? 'ok' : result.reason;
    };
    expect(reason('Basic realm="hikvision"')).toBe('no Digest challenge');
    expect(reason('Digest realm="x", nonce="n", qop="auth-int"')).toMatch(/qop auth-int not supported/);
    expect(reason('Digest realm="x", nonce="n", algorithm=SHA-512-256')).toMatch(/algorithm SHA-512-256 not supported/);
    expect(reason('Digest realm="x"')).toMatch(/without realm or nonce/);
    expect(reason('Digest nonce="n", realm="x')).toMatch(/unterminated/);
    expect(reason(`Digest realm="${'r'.repeat(600)}", nonce="n"`)).toMatch(/too long/);
    expect(reason('Digest realm="x\r\nSet-Cookie: a=b", nonce="n"')).toMatch(/control characters/);
    expect(reason(`Digest realm="x", nonce="${'n'.repeat(5000)}"`)).toMatch(/longer than/);
  });

  it('escapes quotes and backslashes of the user name in the answer', () => {
    const header = digestAuthorization(challenge('Digest realm="r", nonce="n"'), { username: 'a"b\\c', password: 'p', method: 'POST', uri: '/onvif/device_service', cnonce: 'c', nonceCount: 1 });
    expect(header).toContain('username="a\\"b\\\\c"');
    expect(header).not.toContain('qop=');
  });
});
