import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeyKind, ObservationKeys } from '../../src/inventory/keys.js';
import { claimEvidenceOfKeyed, type ClaimEvidence, type MergeObservation } from '../../src/inventory/merge.js';

// ClaimEvidence.refutes searches from the claiming addresses' side (the addresses each one poses as), not through
// every address that claimed the key: these tests hold it equal to the definition it replaced, and show that a key
// claimed from thousands of addresses no longer makes a merge quadratic.

const ADDRESSES = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'];
const MACS = ['aa:bb:cc:00:00:01', 'aa:bb:cc:00:00:02', 'aa:bb:cc:00:00:03'];
const SERIALS = ['SERIAL-ONE', 'SERIAL-TWO'];
const SOURCES = ['neighbour', 'dhcp', 'sadp', 'onvif', 'http'];

interface Sighting {
  ip: string;
  source: string;
  mac: string[];
  serial: string[];
}

const sighting = fc.record({
  ip: fc.constantFrom(...ADDRESSES, ''),
  source: fc.constantFrom(...SOURCES),
  mac: fc.subarray(MACS, { maxLength: 2 }),
  serial: fc.subarray(SERIALS, { maxLength: 1 }),
});

function evidenceOf(sightings: readonly Sighting[]): { evidence: ClaimEvidence; observations: MergeObservation[]; keys: ObservationKeys[] } {
  const observations = sightings.map((entry, index): MergeObservation => ({ id: `obs-${index}`, ip: entry.ip, source: entry.source, observedAt: '2026-12-03T00:00:00.000Z' }));
  const keys = sightings.map((entry): ObservationKeys => ({ mac: [...entry.mac], serial: [...entry.serial], endpoint: [] }));
  // claimEvidenceOfKeyed drops MACs shown at too many addresses from `keys` first: the holders below read them after.
  return { evidence: claimEvidenceOfKeyed(observations, keys), observations, keys };
}

/** refutes as it was defined: every address that claimed the key, and whether one of `addresses` poses as it. */
function refutesByDefinition(evidence: ClaimEvidence, observations: readonly MergeObservation[], keys: readonly ObservationKeys[], addresses: readonly string[], kind: KeyKind, value: string): boolean {
  if (kind === 'mac' && evidence.placesElsewhere(addresses, value).length > 0) return true;
  const holders = new Set(observations.filter((observation, index) => observation.ip !== '' && keys[index]![kind].includes(value)).map((observation) => observation.ip));
  return [...holders].some((holder) => !addresses.includes(holder) && addresses.some((address) => evidence.impersonates(address, holder)));
}

describe('ClaimEvidence.refutes', () => {
  it('equals its definition over generated scans (tables, channels, shared and posed MACs)', () => {
    fc.assert(
      fc.property(
        fc.array(sighting, { maxLength: 14 }),
        fc.subarray(ADDRESSES, { minLength: 1, maxLength: 2 }),
        fc.constantFrom<[KeyKind, string]>(...MACS.map((mac): [KeyKind, string] => ['mac', mac]), ...SERIALS.map((serial): [KeyKind, string] => ['serial', serial])),
        (sightings, addresses, [kind, value]) => {
          const { evidence, observations, keys } = evidenceOf(sightings);
          expect(evidence.refutes(addresses, kind, value)).toBe(refutesByDefinition(evidence, observations, keys, addresses, kind, value));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refutes the claim of a host posing as the device the tables show elsewhere', () => {
    const { evidence } = evidenceOf([
      { ip: '10.0.0.1', source: 'neighbour', mac: ['aa:bb:cc:00:00:01'], serial: [] },
      { ip: '10.0.0.1', source: 'sadp', mac: ['aa:bb:cc:00:00:01'], serial: ['SERIAL-ONE'] },
      { ip: '10.0.0.2', source: 'neighbour', mac: ['aa:bb:cc:00:00:02'], serial: [] },
      { ip: '10.0.0.2', source: 'sadp', mac: ['aa:bb:cc:00:00:01'], serial: ['SERIAL-ONE'] },
    ]);
    expect(evidence.refutes(['10.0.0.2'], 'serial', 'SERIAL-ONE')).toBe(true);
    expect(evidence.refutes(['10.0.0.1'], 'serial', 'SERIAL-ONE')).toBe(false);
  });

  it('answers for a key claimed from 20,000 addresses without walking them for every question', () => {
    // One serial from every address (cloned devices, or one host answering as a camera everywhere), each address
    // with its own neighbour entry; one of them also poses as the first.
    const sightings: Sighting[] = [];
    for (let index = 0; index < 20_000; index += 1) {
      const ip = `10.1.${index >> 8}.${index & 255}`;
      const mac = `aa:bb:cc:00:${((index >> 8) & 255).toString(16).padStart(2, '0')}:${(index & 255).toString(16).padStart(2, '0')}`;
      sightings.push({ ip, source: 'neighbour', mac: [mac], serial: [] }, { ip, source: 'sadp', mac: [mac], serial: ['SERIAL-CLONED'] });
    }
    sightings.push({ ip: '10.1.0.1', source: 'onvif', mac: ['aa:bb:cc:00:00:00'], serial: ['SERIAL-CLONED'] });
    const { evidence } = evidenceOf(sightings);
    // Every address asked once, as the writer asks per group: 20,000 questions. Walking every claimant for each made
    // that 800 million table lookups; counted, not timed, and stopped at the bound so the old way fails at once.
    const bound = 200_000;
    let lookups = 0;
    const tableMacsOf = evidence.tableMacsOf.bind(evidence);
    evidence.tableMacsOf = (address: string): ReadonlySet<string> => {
      lookups += 1;
      if (lookups > bound) throw new Error(`more than ${bound} table lookups for 20,000 questions`);
      return tableMacsOf(address);
    };
    let refuted = 0;
    for (let index = 0; index < 20_000; index += 1) if (evidence.refutes([`10.1.${index >> 8}.${index & 255}`], 'serial', 'SERIAL-CLONED')) refuted += 1;
    expect(refuted).toBe(1);
    expect(lookups).toBeGreaterThan(0);
  });
});

