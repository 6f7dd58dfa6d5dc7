import { describe, expect, it } from 'vitest';
import type { ObservationSections } from '../../src/model.js';
import { createObservation, normaliseMac, observationId } from '../../src/observation.js';

const context = { site: 'hq', agent: 'a1' };

describe('observation ids', () => {
  it('are the same for the same sighting at another time, by another agent', () => {
    const input = { source: 'http' as const, ip: '10.0.0.5', port: 80, http: { headers: { server: 'App-webs/' } } };
    const first = createObservation(input, { ...context, now: () => new Date('2026-01-01T00:00:00Z') });
    const second = createObservation(input, { site: 'hq', agent: 'a2', now: () => new Date('2026-02-01T00:00:00Z') });
    expect(first.id).toBe(second.id);
    expect(first.observedAt).not.toBe(second.observedAt);
  });

  it('ignore the Date header, cookies and digest nonces, which change on every response', () => {
    const a = observationId('hq', { source: 'http', ip: '10.0.0.5', port: 80, http: { headers: { server: 'DNVRS-Webs', date: 'Mon, 01 Jan 2026 00:00:00 GMT', 'www-authenticate': 'Digest realm="DS-7608NI", nonce="abc"' } } });
    const b = observationId('hq', { source: 'http', ip: '10.0.0.5', port: 80, http: { headers: { server: 'DNVRS-Webs', date: 'Tue, 02 Jan 2026 00:00:00 GMT', 'www-authenticate': 'Digest realm="DS-7608NI", nonce="xyz"' } } });
    expect(a).toBe(b);
  });

  it('differ when what was seen differs: address, site, realm or server', () => {
    const base = { source: 'http' as const, ip: '10.0.0.5', port: 80, http: { headers: { server: 'App-webs/', 'www-authenticate': 'Digest realm="IP Camera(C2183)", nonce="1"' } } };
    const id = observationId('hq', base);
    expect(observationId('branch', base)).not.toBe(id);
    expect(observationId('hq', { ...base, ip: '10.0.0.6' })).not.toBe(id);
    expect(observationId('hq', { ...base, http: { headers: { ...base.http.headers, server: 'Webs' } } })).not.toBe(id);
    expect(observationId('hq', { ...base, http: { headers: { ...base.http.headers, 'www-authenticate': 'Digest realm="Other", nonce="1"' } } })).not.toBe(id);
  });

  it('stay what they were: ids already stored in inventories must not change when the hashing code is tuned', () => {
    // Computed by the code before it was tuned for speed (issue 15); nested objects, arrays, escapes, volatile headers.
    const sections = { source: 'http', ip: '10.0.0.5', port: 80, mac: '44:47:cc:37:ce:81', http: { headers: { server: 'DNVRS-Webs', date: 'x', 'www-authenticate': 'Digest realm="DS-7608NI", nonce="abc"' }, title: 'é "q"' }, wsdiscovery: { types: ['a', 'b'], scopes: [], xaddrs: ['http://x/'], metadataVersion: 2 }, dhip: { nested: { z: 1, a: [true, null] } } } satisfies ObservationSections;
    expect(observationId('hq', structuredClone(sections))).toBe('6036497bb028a6e9e32f74b25239e878');
    expect(createObservation({ ...(structuredClone(sections)), transport: 'tcp', interface: 'eth0' }, context).id).toBe('6036497bb028a6e9e32f74b25239e878');
  });

  it('keep the volatile values in the observation itself', () => {
    const observation = createObservation({ source: 'http', ip: '10.0.0.5', http: { headers: { date: 'x' } } }, context);
    expect(observation.http?.headers.date).toBe('x');
  });
});

describe('normaliseMac', () => {
  it('accepts the forms devices send', () => {
    expect(normaliseMac('44-47-CC-37-CE-81')).toBe('44:47:cc:37:ce:81');
    expect(normaliseMac('4447.cc37.ce81')).toBe('44:47:cc:37:ce:81');
    expect(normaliseMac('44:47:cc:37:ce')).toBeUndefined();
    expect(normaliseMac('')).toBeUndefined();
  });
});
