// Point 1 of the security round: the NUL/whitespace trim walks back once (no regex that retries a long inner
// run from every start), and what a capture puts into a param is capped, so a device's long header cannot
// become its model.
import { describe, expect, it } from 'vitest';
import { parseDhipReply } from '../../src/discovery/dhip/parse.js';
import { parseXmlSafely } from '../../src/discovery/safe-xml.js';
import { trimTrailingNulAndSpace } from '../../src/discovery/trim.js';
import { loadKnowledgeBase } from '../../src/match/index.js';
import { expandParams, firstMatch } from '../../src/match/rules.js';
import { CAPTURED_VALUE_CAP } from '../../src/match/weights.js';

describe('trimTrailingNulAndSpace', () => {
  it('strips trailing NULs and every JavaScript whitespace, nothing else', () => {
    expect(trimTrailingNulAndSpace('<a/>\0\0\r\n \t\u00a0\u2028\ufeff')).toBe('<a/>');
    expect(trimTrailingNulAndSpace('  inner  x')).toBe('  inner  x');
    expect(trimTrailingNulAndSpace('\0 \n')).toBe('');
    expect(trimTrailingNulAndSpace('')).toBe('');
  });

  it('keeps a long inner whitespace run and reads the document around it', () => {
    const padded = `<ProbeMatch><DeviceType>${' '.repeat(32 * 1024)}x</DeviceType></ProbeMatch>\0\0\0`;
    const result = parseXmlSafely(padded, 64 * 1024);
    expect(result.ok).toBe(true);
  });

  it('DHIP: a body whose whitespace run is not at its end is refused as JSON, not trimmed away', () => {
    const reply = parseDhipReply(Buffer.from(`{"method":"client.notifyDevInfo"${' '.repeat(32 * 1024)}x\0\n`));
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.reason).toMatch(/not JSON/);
  });
});

describe('captured params', () => {
  it('are cut at CAPTURED_VALUE_CAP however long the capture', () => {
    const knowledgeBase = loadKnowledgeBase();
    const value = `HIKVISION DS-2CD2${'X'.repeat(3000)} - C12345678._CGI._tcp.local`;
    const found = firstMatch(knowledgeBase.rulesByField.get('mdns.name') ?? [], value);
    expect(found?.rule.id).toBe('hikvision-mdns-instance');
    const model = expandParams(found!.rule, found!.match)['hw.model'];
    expect(model?.length).toBe(CAPTURED_VALUE_CAP);
    expect(model?.startsWith('DS-2CD2XXX')).toBe(true);
  });

  it('never splits a surrogate pair', () => {
    const knowledgeBase = loadKnowledgeBase();
    const rule = (knowledgeBase.rulesByField.get('mdns.name') ?? []).find((candidate) => candidate.id === 'hikvision-mdns-instance')!;
    const match = /^(.*)$/su.exec(`${'a'.repeat(CAPTURED_VALUE_CAP - 1)}😀tail`)!;
    const model = expandParams(rule, match)['hw.model']!;
    expect(model).toBe('a'.repeat(CAPTURED_VALUE_CAP - 1));
  });
});
