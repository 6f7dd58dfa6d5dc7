import { describe, expect, it } from 'vitest';
import { certificateToTlsSection, formatDistinguishedName } from '../../src/discovery/banner/tls.js';

describe('formatDistinguishedName', () => {
  it('orders CN, OU, O, L, ST, C then the rest alphabetically, whatever order the object has', () => {
    expect(formatDistinguishedName({ C: 'CN', ST: 'ZheJiang', L: 'HangZhou', O: 'HIKVISION', OU: 'DVRNVR', CN: 'www.hikvision.com' })).toBe(
      'CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN',
    );
    expect(formatDistinguishedName({ emailAddress: 'a@b', CN: 'x', serialNumber: '7', C: 'US' })).toBe('CN=x,C=US,emailAddress=a@b,serialNumber=7');
  });

  it('repeats multi-valued attributes and escapes RFC 4514 specials', () => {
    expect(formatDistinguishedName({ OU: ['a', 'b'], CN: 'Doe, John+1' })).toBe('CN=Doe\\, John\\+1,OU=a,OU=b');
    expect(formatDistinguishedName({ CN: ' #lead', O: 'trail ' })).toBe('CN=\\ #lead,O=trail\\ ');
  });

  it('neutralises control characters and ignores non-string values', () => {
    expect(formatDistinguishedName({ CN: 'evil\u001b[2J', O: 5, OU: [null, 'ok'] })).toBe('CN=evil\uFFFD[2J,OU=ok');
    expect(formatDistinguishedName('CN=x')).toBeUndefined();
    expect(formatDistinguishedName({})).toBeUndefined();
  });
});

describe('certificateToTlsSection', () => {
  it('maps Node peer-certificate fields, dates to ISO 8601', () => {
    const section = certificateToTlsSection({
      subject: { CN: 'IPC', O: 'Dahua' },
      issuer: { CN: 'IPC', O: 'Dahua' },
      serialNumber: '01AB',
      valid_from: 'Mar 10 12:00:00 2024 GMT',
      valid_to: 'not a date',
      fingerprint256: 'AA:BB',
    });
    expect(section).toEqual({
      subject: 'CN=IPC,O=Dahua',
      issuer: 'CN=IPC,O=Dahua',
      serialNumber: '01AB',
      validFrom: '2024-03-10T12:00:00.000Z',
      validTo: 'not a date',
      fingerprint256: 'AA:BB',
      selfSigned: true,
    });
  });

  it('without DER, self-signed falls back to subject = issuer; bad DER does not throw', () => {
    expect(certificateToTlsSection({ subject: { CN: 'a' }, issuer: { CN: 'b' } })?.selfSigned).toBe(false);
    expect(certificateToTlsSection({ subject: { CN: 'a' }, issuer: { CN: 'a' }, raw: Buffer.from('garbage') })?.selfSigned).toBe(true);
  });

  it('gives undefined when there is no certificate', () => {
    expect(certificateToTlsSection({})).toBeUndefined();
    expect(certificateToTlsSection(undefined)).toBeUndefined();
    expect(certificateToTlsSection(null)).toBeUndefined();
  });
});
