import fc from 'fast-check';
import { describe, it } from 'vitest';
import { certificateToTlsSection } from '../../src/discovery/banner/tls.js';

describe('certificateToTlsSection under fuzz', () => {
  it('never throws on arbitrary objects, including bogus DER', () => {
    const field = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.integer(), fc.constant(null));
    const certificate = fc.record(
      {
        subject: fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), field, { maxKeys: 8 }), fc.string()),
        issuer: fc.dictionary(fc.string({ maxLength: 6 }), field, { maxKeys: 8 }),
        serialNumber: fc.oneof(fc.string(), fc.integer()),
        valid_from: fc.string(),
        valid_to: fc.string(),
        fingerprint256: fc.string(),
        raw: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(certificate, fc.anything()), (value) => {
        certificateToTlsSection(value);
      }),
      { numRuns: 800 },
    );
  });
});
