// The JSON of an identification, exactly as JSON.stringify writes it (test/unit/identification-json.test.ts holds
// the two equal over the labelled corpus), for `camaudit identify`, which prints a million of them. Most of each
// line repeats from one line to the next: member names, rule ids, fields, the params a rule sets, the covered
// reason. Those are quoted once and kept; only what a device sent (a header, a model, a serial) is quoted afresh.
import type { Evidence, Identification } from '../model.js';
import { MATCH_LIMITS } from '../config.js';

/** The members in the order combineEvidence creates them; the compiler fails below when one is added or renamed. */
const IDENTIFICATION_MEMBERS = ['vendor', 'brand', 'model', 'firmware', 'serial', 'mac', 'deviceClass', 'covered', 'coveredReason', 'confidence', 'evidence', 'conflicts', 'advisories', 'cloud'] as const;
const EVIDENCE_MEMBERS = ['ruleId', 'field', 'value', 'params', 'confidence', 'source', 'observationId'] as const;
type Unlisted<T, Listed extends readonly unknown[]> = Exclude<keyof T, Listed[number]>;
// Each is `never` while the lists name every member of the type (and only those: the tuples are typed by keyof).
const everyIdentificationMember: [Unlisted<Identification, typeof IDENTIFICATION_MEMBERS>] extends [never] ? true : never = true;
const everyEvidenceMember: [Unlisted<Evidence, typeof EVIDENCE_MEMBERS>] extends [never] ? true : never = true;
void everyIdentificationMember;
void everyEvidenceMember;
IDENTIFICATION_MEMBERS satisfies readonly (keyof Identification)[];
EVIDENCE_MEMBERS satisfies readonly (keyof Evidence)[];

// Strings of the knowledge base (rule ids, fields, sources, vendors, classes, covered reasons): a few hundred.
// Bounded all the same, since a field name can carry a device's header name.
const quotedStrings = new Map<string, string>();

function quotedConstant(value: string): string {
  let quoted = quotedStrings.get(value);
  if (quoted === undefined) {
    quoted = JSON.stringify(value);
    if (quotedStrings.size >= MATCH_LIMITS.cacheEntries) quotedStrings.clear();
    quotedStrings.set(value, quoted);
  }
  return quoted;
}

const nullableConstant = (value: string | null): string => (value === null ? 'null' : quotedConstant(value));
const nullableText = (value: string | null): string => (value === null ? 'null' : JSON.stringify(value));
/** A number as JSON writes it (NaN and the infinities become null). */
const numberJson = (value: number): string => (Number.isFinite(value) ? String(value) : 'null');

// A rule without captures hands every match the same frozen params object (rules.ts expandParams, OUI entries).
const frozenParamsJson = new WeakMap<object, string>();

function paramsJson(params: Record<string, string>): string {
  if (!Object.isFrozen(params)) return JSON.stringify(params);
  let json = frozenParamsJson.get(params);
  if (json === undefined) {
    json = JSON.stringify(params);
    frozenParamsJson.set(params, json);
  }
  return json;
}

// `{"ruleId":…,"field":…,"value":` by rule id, then field: one piece where there were four.
const evidenceHeads = new Map<string, Map<string, string>>();

function evidenceHead(ruleId: string, field: string): string {
  let byField = evidenceHeads.get(ruleId);
  if (byField === undefined) {
    if (evidenceHeads.size >= MATCH_LIMITS.cacheEntries) evidenceHeads.clear();
    byField = new Map();
    evidenceHeads.set(ruleId, byField);
  }
  let head = byField.get(field);
  if (head === undefined) {
    head = `{"ruleId":${JSON.stringify(ruleId)},"field":${JSON.stringify(field)},"value":`;
    if (byField.size >= MATCH_LIMITS.cacheEntries) byField.clear();
    byField.set(field, head);
  }
  return head;
}

function evidenceJson(item: Evidence, observationIdJson: { id: string; json: string }): string {
  if (item.observationId !== observationIdJson.id) {
    observationIdJson.id = item.observationId;
    observationIdJson.json = JSON.stringify(item.observationId);
  }
  return `${evidenceHead(item.ruleId, item.field)}${JSON.stringify(item.value)},"params":${paramsJson(item.params)},"confidence":${numberJson(item.confidence)},"source":${quotedConstant(item.source)},"observationId":${observationIdJson.json}}`;
}

/**
 * `JSON.stringify(identification)`, the same text, built from kept pieces. `leadingMembers` (`"a":1,"b":2,`) is
 * written in front of the identification's own members, as if they were its first: the caller's own fields without
 * an object spread and without cutting the `{` off a finished text.
 */
export function identificationJson(identification: Identification, leadingMembers = ''): string {
  let evidence = '[';
  // Evidence of one observation all carry its id: quoted once per identification.
  const observationIdJson = { id: '', json: '""' };
  for (let index = 0; index < identification.evidence.length; index += 1) {
    evidence += (index > 0 ? ',' : '') + evidenceJson(identification.evidence[index]!, observationIdJson);
  }
  evidence += ']';
  const { conflicts, advisories, cloud, firmware } = identification;
  return (
    `{${leadingMembers}"vendor":${nullableConstant(identification.vendor)},"brand":${nullableText(identification.brand)},"model":${nullableText(identification.model)},` +
    `"firmware":${firmware === null ? 'null' : JSON.stringify(firmware)},"serial":${nullableText(identification.serial)},"mac":${nullableText(identification.mac)},` +
    `"deviceClass":${quotedConstant(identification.deviceClass)},"covered":${identification.covered ? 'true' : 'false'},"coveredReason":${nullableConstant(identification.coveredReason)},` +
    `"confidence":${numberJson(identification.confidence)},"evidence":${evidence},"conflicts":${conflicts.length === 0 ? '[]' : JSON.stringify(conflicts)},` +
    `"advisories":${advisories.length === 0 ? '[]' : JSON.stringify(advisories)}${cloud === undefined ? '' : `,"cloud":${JSON.stringify(cloud)}`}}`
  );
}
