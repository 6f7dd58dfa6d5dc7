// HTTP Digest under fuzzing: the challenge parser never throws, and every answer we compute is accepted by the
// lab device's check (test/lab/device/responders/onvif.ts), a second implementation written apart from ours.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestAuthorization, parseDigestChallenge } from '../../src/discovery/http/digest.js';
import { DigestNonces, hasValidDigest } from '../lab/device/responders/onvif.js';

describe('parseDigestChallenge under fuzzing', () => {
  it('never throws on random strings and challenge-shaped pieces', () => {
    const piece = fc.oneof(
      fc.constantFrom('Digest ', 'Basic ', 'realm=', 'nonce=', 'qop=', 'algorithm=', 'opaque=', 'stale=', '"', '\\', ',', ' ', '=', 'auth', 'MD5', 'SHA-256-sess', '__proto__='),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join(''))), (header) => {
        const result = parseDigestChallenge(header);
        if (result.ok) expect(result.value.nonce.length).toBeGreaterThan(0);
        else expect(result.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000, seed: 7616 },
    );
  });

  it('every answer to a device challenge is accepted by the device, and refused with the wrong password', () => {
    const text = fc.string({ minLength: 1, maxLength: 24 }).filter((value) => [...value].every((character) => character >= ' ' && character <= '~' && character !== '"' && character !== '\\'));
    fc.assert(
      fc.property(text, text, fc.string({ minLength: 1, maxLength: 24 }), fc.constantFrom('/onvif/device_service', '/onvif/device_service?x=1'), (realm, username, password, uri) => {
        const nonces = new DigestNonces();
        const issued = parseDigestChallenge(`Digest qop="auth", realm="${realm}", nonce="${nonces.issue()}", stale="FALSE"`);
        if (!issued.ok) throw new Error(issued.reason);
        const answer = { username, password, method: 'POST', uri, cnonce: 'abcdef0123456789', nonceCount: 1 };
        const users = [{ username, password }];
        const wrong = [{ username, password: `${password}x` }];
        const again = parseDigestChallenge(`Digest qop="auth", realm="${realm}", nonce="${nonces.issue()}"`);
        if (!again.ok) throw new Error(again.reason);
        expect(hasValidDigest(digestAuthorization(again.value, answer), 'POST', wrong, realm, nonces)).toBe(false);
        expect(hasValidDigest(digestAuthorization(issued.value, answer), 'POST', users, realm, nonces)).toBe(true);
        // A nonce is good for one answer: the same Authorization again is refused.
        expect(hasValidDigest(digestAuthorization(issued.value, answer), 'POST', users, realm, nonces)).toBe(false);
      }),
      { numRuns: 300, seed: 2617 },
    );
  });
});
