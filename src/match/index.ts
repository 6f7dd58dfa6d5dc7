// The matcher: fingerprints/ (data) + observations → evidence → one identification per device.
import type { Evidence, Identification, Observation } from '../model.js';
import { combineEvidence } from './combine.js';
import { loadKnowledgeBase } from './load-knowledge-base.js';
import { matchObservationWith } from './rules.js';
import type { KnowledgeBase } from './types.js';

export type { KnowledgeBase } from './types.js';
export { loadKnowledgeBase } from './load-knowledge-base.js';
export { parseObservationLine, type ParseLineResult } from './parse-line.js';
export { parseFirmware } from './firmware.js';
export { VERDICT_THRESHOLD } from './weights.js';

/** The evidence the knowledge base finds in one observation. */
export function matchObservation(observation: Observation, knowledgeBase: KnowledgeBase = loadKnowledgeBase()): Evidence[] {
  return matchObservationWith(knowledgeBase, observation);
}

/** One identification from all observations of one device (same MAC, or same address). */
export function identify(observations: readonly Observation[], knowledgeBase: KnowledgeBase = loadKnowledgeBase()): Identification {
  const evidence: Evidence[] = [];
  const macs: string[] = [];
  const seenOui = new Set<string>();
  for (const observation of observations) {
    if (observation.mac) macs.push(observation.mac);
    for (const item of matchObservationWith(knowledgeBase, observation)) {
      // The same MAC seen by several protocols is one registry fact, not several channels.
      if (item.field === 'mac') {
        if (seenOui.has(item.value)) continue;
        seenOui.add(item.value);
      }
      evidence.push(item);
    }
  }
  return combineEvidence(knowledgeBase, evidence, macs);
}
