// The matcher: fingerprints/ (data) + observations → evidence → one identification per device.
import type { Evidence, Identification, Observation } from '../model.js';
import { cloudFlag } from './cloud.js';
import { combineEvidence } from './combine.js';
import { loadKnowledgeBase } from './load-knowledge-base.js';
import { matchObservationWith } from './rules.js';
import type { KnowledgeBase } from './types.js';

export type { KnowledgeBase } from './types.js';
export { loadKnowledgeBase } from './load-knowledge-base.js';
export { parseObservationLine, type ParseLineResult } from './parse-line.js';
export { parseFirmware } from './firmware.js';
export { identificationJson } from './identification-json.js';
export { VERDICT_THRESHOLD } from './weights.js';

const NO_MACS: readonly string[] = Object.freeze([]);

/** The evidence the knowledge base finds in one observation. */
export function matchObservation(observation: Observation, knowledgeBase: KnowledgeBase = loadKnowledgeBase()): Evidence[] {
  return matchObservationWith(knowledgeBase, observation);
}

/** One identification from all observations of one device (same MAC, or same address). */
export function identify(observations: readonly Observation[], knowledgeBase: KnowledgeBase = loadKnowledgeBase()): Identification {
  if (observations.length === 1) {
    // One observation (every line of `camaudit identify`): its evidence needs no merging.
    const observation = observations[0]!;
    return withCloud(combineEvidence(knowledgeBase, matchObservationWith(knowledgeBase, observation), observation.mac ? [observation.mac] : NO_MACS), observations);
  }
  const evidence: Evidence[] = [];
  const macs: string[] = [];
  const seenOui: string[] = [];
  for (const observation of observations) {
    if (observation.mac) macs.push(observation.mac);
    for (const item of matchObservationWith(knowledgeBase, observation)) {
      // The same MAC seen by several protocols is one registry fact, not several channels.
      if (item.field === 'mac') {
        if (seenOui.includes(item.value)) continue;
        seenOui.push(item.value);
      }
      evidence.push(item);
    }
  }
  return withCloud(combineEvidence(knowledgeBase, evidence, macs), observations);
}

/** The cloud flag rides along with the verdict, only when some field stated it (unknown is the absence). */
function withCloud(identification: Identification, observations: readonly Observation[]): Identification {
  const cloud = cloudFlag(observations);
  return cloud.state === 'unknown' ? identification : { ...identification, cloud };
}
