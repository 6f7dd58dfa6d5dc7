// The ISAPI and Dahua CGI parsers on seeded random and mutated bytes: ok or a reason, never a throw or a hang.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readMagicBoxValue, readRemoteDevices, readT2uServer } from '../../src/discovery/vendor-api/dahua-parse.js';
import { readInputProxyChannels, readInputProxyStatus, readIsapiDeviceInfo, readIsapiEzviz } from '../../src/discovery/vendor-api/isapi-parse.js';
import { parseDhcpRequest } from '../../src/discovery/dhcp/parse.js';
import { dhcpMessage } from '../unit/dhcp-helpers.js';
import { mutated } from './mutate.js';

const seedsOf = (folder: string, extension: string): Buffer[] => {
  const directory = new URL(`../fixtures/${folder}/`, import.meta.url);
  return readdirSync(directory).filter((name) => name.endsWith(extension)).map((name) => readFileSync(new URL(name, directory)));
};
const MAX = 64 * 1024;
const xmlParsers = [readIsapiDeviceInfo, readIsapiEzviz, readInputProxyChannels, readInputProxyStatus].map((parse) => (bytes: Buffer) => parse(bytes, MAX));
const textParsers = [(text: string) => readMagicBoxValue(text, 'type'), readT2uServer, readRemoteDevices];
const check = (result: { ok: boolean; reason?: string }): void => {
  if (!result.ok) expect(result.reason?.length).toBeGreaterThan(0);
};

describe('vendor API parsers under fuzzing', () => {
  it('never throw on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        for (const parse of xmlParsers) check(parse(Buffer.from(bytes)));
        for (const parse of textParsers) check(parse(Buffer.from(bytes).toString('utf8')));
      }),
      { numRuns: 300, seed: 80 },
    );
  });

  it('never throw on mutated samples', () => {
    fc.assert(fc.property(mutated(seedsOf('isapi', '.xml')), (bytes) => xmlParsers.forEach((parse) => check(parse(bytes)))), { numRuns: 600, seed: 81 });
    fc.assert(fc.property(mutated(seedsOf('dahuacgi', '.txt')), (bytes) => textParsers.forEach((parse) => check(parse(bytes.toString('utf8'))))), { numRuns: 600, seed: 82 });
  });

  it('never throw on XML-shaped strings with hostile names and entities', () => {
    const name = fc.constantFrom('InputProxyChannelList', 'InputProxyChannel', 'id', 'sourceInputPortDescriptor', 'DeviceInfo', 'EZVIZ', 'enabled', '__proto__', 'constructor', '!DOCTYPE', '!ENTITY');
    const piece = fc.oneof(name.map((n) => `<${n}>`), name.map((n) => `</${n}>`), fc.constantFrom('&amp;', '&#x41;', '&bogus;', '<![CDATA[x]]>', '1', '99999'), fc.string({ maxLength: 8 }));
    fc.assert(fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => xmlParsers.forEach((parse) => check(parse(Buffer.from(pieces.join('')))))), { numRuns: 800, seed: 83 });
  });

  it('bound what one huge answer yields', () => {
    const channels = Array.from({ length: 2000 }, (_, index) => `<InputProxyChannel><id>${index + 1}</id></InputProxyChannel>`).join('');
    const result = readInputProxyChannels(`<InputProxyChannelList>${channels}</InputProxyChannelList>`, 1024 * 1024);
    expect(result.ok && result.value.length).toBe(512);
    const slots = Array.from({ length: 2000 }, (_, index) => `table.RemoteDevice.uuid:INFO_${index}.SerialNo=S${index}XXXXXX\r\n`).join('');
    const devices = readRemoteDevices(slots);
    expect(devices.ok && devices.value.length).toBe(512);
  });
});

describe('the DHCP request parser under fuzzing', () => {
  it('never throws on random bytes or on mutated requests', () => {
    const seed = dhcpMessage('44:47:cc:00:00:01', [
      [53, [1]],
      [60, [...Buffer.from('udhcp 1.19.4')]],
      [55, [1, 3, 6]],
    ]);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1600 }), (bytes) => check(parseDhcpRequest(Buffer.from(bytes)))), { numRuns: 500, seed: 67 });
    fc.assert(fc.property(mutated([seed]), (bytes) => check(parseDhcpRequest(bytes))), { numRuns: 1000, seed: 68 });
  });
});
