// The numbers behind a verdict, in one place so a reviewer can argue with them.
import { MATCH_LIMITS } from '../config.js';

/** A maker is named only when its combined score reaches this. One weak rule (< 0.5) can never reach it alone. */
export const VERDICT_THRESHOLD = 0.5;
/** Several rules of one channel (e.g. three HTTP markers) count for at most this together: more certainty needs another channel. */
export const CHANNEL_CAP = 0.8;
/** Weight of an IEEE OUI assignment: the registry says who made the network interface. */
export const OUI_CONFIDENCE = 0.6;
/** An OUI's device-class hint (printer, router) only counts when nothing better says what the device is. */
export const OUI_CLASS_WEIGHT = 0.2;
/** Other makers scoring at least this are reported as conflicts. */
export const CONFLICT_FLOOR = 0.25;
/** A competing maker lowers the winner's confidence by this fraction of its own score. */
export const CONFLICT_PENALTY = 0.5;
// The lengths a rule sees and keeps are limits, in src/config.ts (MATCH_LIMITS).
export const VALUE_CAP = MATCH_LIMITS.maxValueChars;
export const BODY_VALUE_CAP = MATCH_LIMITS.maxBodyValueChars;
export const EVIDENCE_VALUE_CAP = MATCH_LIMITS.maxEvidenceValueChars;
/** Longest text a capture may put in a param (a model, firmware, serial): a device's word is not a document. */
export const CAPTURED_VALUE_CAP = 128;
