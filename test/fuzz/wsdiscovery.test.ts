// The WS-Discovery parser on seeded random and mutated bytes: it must return ok or a reason, never throw, never hang.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseOnvifScopes, parseWsDiscoveryReply } from '../../src/discovery/wsdiscovery/parse.js';
import { followableXAddrs } from '../../src/discovery/wsdiscovery/index.js';
import { mutated } from './mutate.js';

const directory = new URL('../fixtures/wsdiscovery/', import.meta.url);
const seeds = readdirSync(directory).filter((name) => name.endsWith('.xml')).map((name) => readFileSync(new URL(name, directory)));

const checkShape = (result: ReturnType<typeof parseWsDiscoveryReply>): void => {
  if (result.ok) expect(result.value.matches.length).toBeGreaterThan(0);
  else expect(result.reason.length).toBeGreaterThan(0);
};

describe('parseWsDiscoveryReply under fuzzing', () => {
  it('never throws on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => checkShape(parseWsDiscoveryReply(Buffer.from(bytes)))), { numRuns: 500, seed: 3702 });
  });

  it('never throws on mutated recorded replies', () => {
    fc.assert(fc.property(mutated(seeds), (bytes) => checkShape(parseWsDiscoveryReply(bytes))), { numRuns: 1000, seed: 5 });
  });

  it('never throws on arbitrary scopes and XAddrs', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.webUrl(), fc.string().map((text) => `onvif://www.onvif.org/${text}`)), { maxLength: 20 }), fc.ipV4(), (values, ip) => {
        parseOnvifScopes(values);
        for (const url of followableXAddrs(values, ip)) expect(url.hostname).toBe(ip);
      }),
      { numRuns: 500, seed: 6 },
    );
  });
});
