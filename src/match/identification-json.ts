// The JSON of an identification, exactly as JSON.stringify writes it (test/unit/identification-json.test.ts holds
// the two equal over the labelled corpus and under fast-check), for `camaudit identify`, which prints a million of
// them. Most of each line repeats from one line to the next: member names, rule ids, fields, the params a rule sets,
// the covered reason. Those are kept as a few long pieces; only what a device sent (a header, a model, a serial) is
// added between them, without its quotes, which live in the pieces. Fewer pieces is what makes this fast: writing
// the line out flattens it, and V8 pays for every piece it was joined from.
import type { Evidence, Identification } from '../model.js';
import { MATCH_LIMITS } from '../config.js';
import { jsonContent, jsonString } from '../json-string.js';
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

/**
 * `text` made flat. V8 keeps a string joined with `+` as a tree of its parts, and every line that contains a kept
 * piece would walk that piece's tree again when the line is written out (measured: twice the cost of writing a
 * line). Reading one character flattens the tree in place, once.
 */
function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}

/** A cache that forgets everything when full: its keys come from the knowledge base, but bounded all the same. */
function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  if (cache.size >= MATCH_LIMITS.cacheEntries) cache.clear();
  cache.set(key, value);
  return value;
}

/** A number as JSON writes it (NaN and the infinities become null). */
const numberJson = (value: number): string => (Number.isFinite(value) ? String(value) : 'null');

/** What follows a member: null, a string (its content comes next, the opening quote is in the piece) or other JSON. */
const enum Next {
  Null,
  Text,
  Json,
}

const nextOf = (value: string | null): Next => (value === null ? Next.Null : Next.Text);

/**
 * The pieces before a member: the closing quote of a string just written (the last three) or not, the member's name,
 * and its value when null, or the opening quote when a string, or nothing (other JSON follows).
 */
function memberPieces(name: string): readonly string[] {
  const pieces: string[] = [];
  for (const quote of ['', '"']) pieces.push(flat(`${quote},"${name}":null`), flat(`${quote},"${name}":"`), flat(`${quote},"${name}":`));
  return pieces;
}

const BRAND = memberPieces('brand');
const MODEL = memberPieces('model');
const FIRMWARE = memberPieces('firmware');
const SERIAL = memberPieces('serial');
const MAC = memberPieces('mac');

const NONE_OF_BRAND_TO_SERIAL = flat(`${BRAND[0]!}${MODEL[0]!}${FIRMWARE[0]!}${SERIAL[0]!}`);

const between = (closing: boolean, pieces: readonly string[], next: Next): string => pieces[(closing ? 3 : 0) + next]!;

// `"vendor":"Hikvision"` by vendor.
const vendorPieces = new Map<string, string>();

function vendorPiece(vendor: string | null): string {
  if (vendor === null) return '"vendor":null';
  return vendorPieces.get(vendor) ?? remember(vendorPieces, vendor, flat(`"vendor":${jsonString(vendor)}`));
}

// From deviceClass to the opening of the evidence list, by covered reason, class, covered and confidence: one piece
// where there were nine.
const middlePieces = new Map<string | null, Map<string, Map<number, string>>>();

function middlePiece(identification: Identification, closing: boolean): string {
  const { coveredReason, deviceClass, covered, confidence } = identification;
  let byClass = middlePieces.get(coveredReason);
  if (byClass === undefined) byClass = remember(middlePieces, coveredReason, new Map());
  const classKey = `${closing ? '"' : ''}${covered ? 'y' : 'n'}${deviceClass}`;
  let byConfidence = byClass.get(classKey);
  if (byConfidence === undefined) byConfidence = remember(byClass, classKey, new Map());
  const piece = byConfidence.get(confidence);
  if (piece !== undefined) return piece;
  return remember(
    byConfidence,
    confidence,
    flat(`${closing ? '"' : ''},"deviceClass":${jsonString(deviceClass)},"covered":${covered ? 'true' : 'false'},"coveredReason":${coveredReason === null ? 'null' : jsonString(coveredReason)},"confidence":${numberJson(confidence)},"evidence":[`),
  );
}

// `{"ruleId":…,"field":…,"value":"` by rule id and field, with the comma that separates it from an earlier item
// ([1]) or without ([0]).
const evidenceHeads = new Map<string, Map<string, [string, string]>>();

function evidenceHead(ruleId: string, field: string, first: boolean): string {
  let byField = evidenceHeads.get(ruleId);
  if (byField === undefined) byField = remember(evidenceHeads, ruleId, new Map());
  let heads = byField.get(field);
  if (heads === undefined) {
    const head = flat(`{"ruleId":${jsonString(ruleId)},"field":${jsonString(field)},"value":"`);
    heads = remember(byField, field, [head, flat(`,${head}`)]);
  }
  return heads[first ? 0 : 1];
}

// `,"confidence":…,"source":…,"observationId":"` by source and confidence.
const evidenceTails = new Map<string, Map<number, string>>();

function evidenceTail(source: string, confidence: number): string {
  let byConfidence = evidenceTails.get(source);
  if (byConfidence === undefined) byConfidence = remember(evidenceTails, source, new Map());
  return byConfidence.get(confidence) ?? remember(byConfidence, confidence, flat(`,"confidence":${numberJson(confidence)},"source":${jsonString(source)},"observationId":"`));
}

/** `JSON.stringify(params)` of a params object, whose values are strings (expandParams). */
function paramsText(params: Record<string, string>): string {
  let text = '';
  // for…in walks own keys in the order JSON.stringify does (a params object has no prototype members).
  for (const key in params) {
    const value: unknown = params[key];
    if (typeof value !== 'string') return JSON.stringify(params);
    text += `${text === '' ? '{' : '",'}${jsonString(key)}:"${jsonContent(value)}`;
  }
  return text === '' ? '{}' : `${text}"}`;
}

// A rule without captures hands every match the same frozen params object (rules.ts expandParams, OUI entries):
// from the value's closing quote to the opening of the observation id, by params, then source and confidence.
const frozenParamsPieces = new WeakMap<object, Map<string, { confidence: number; piece: string }>>();

function afterValue(item: Evidence): string {
  const { params, source, confidence } = item;
  if (!Object.isFrozen(params)) return `","params":${paramsText(params)}${evidenceTail(source, confidence)}`;
  let bySource = frozenParamsPieces.get(params);
  if (bySource === undefined) {
    bySource = new Map();
    frozenParamsPieces.set(params, bySource);
  }
  const kept = bySource.get(source);
  if (kept !== undefined && kept.confidence === confidence) return kept.piece;
  const piece = flat(`","params":${paramsText(params)}${evidenceTail(source, confidence)}`);
  remember(bySource, source, { confidence, piece });
  return piece;
}

/**
 * `JSON.stringify(identification)`, the same text, built from kept pieces. `leadingMembers` (`"a":1,"b":2,`) is
 * written in front of the identification's own members, as if they were its first: the caller's own fields without
 * an object spread and without cutting the `{` off a finished text.
 */
export function identificationJson(identification: Identification, leadingMembers = ''): string {
  const { vendor, brand, model, firmware, serial, mac, evidence, conflicts, advisories, cloud } = identification;
  let text = `{${leadingMembers}${vendorPiece(vendor)}`;
  if (brand === null && model === null && firmware === null && serial === null) {
    // A banner or a MAC alone names none of the four: one piece for them.
    text += NONE_OF_BRAND_TO_SERIAL;
  } else {
    text += between(false, BRAND, nextOf(brand));
    if (brand !== null) text += jsonContent(brand);
    text += between(brand !== null, MODEL, nextOf(model));
    if (model !== null) text += jsonContent(model);
    text += between(model !== null, FIRMWARE, firmware === null ? Next.Null : Next.Json);
    if (firmware !== null) text += JSON.stringify(firmware);
    text += between(false, SERIAL, nextOf(serial));
    if (serial !== null) text += jsonContent(serial);
  }
  text += between(serial !== null, MAC, nextOf(mac));
  if (mac !== null) text += jsonContent(mac);
  text += middlePiece(identification, mac !== null);
  // Evidence of one observation all carry its id: its closing piece is made once per identification.
  let observationId: string | undefined;
  let idClose = '';
  for (let index = 0; index < evidence.length; index += 1) {
    const item = evidence[index]!;
    if (item.observationId !== observationId) {
      observationId = item.observationId;
      idClose = `${jsonContent(observationId)}"}`;
    }
    text += `${evidenceHead(item.ruleId, item.field, index === 0)}${jsonContent(item.value)}${afterValue(item)}${idClose}`;
  }
  if (conflicts.length === 0 && advisories.length === 0 && cloud === undefined) return `${text}],"conflicts":[],"advisories":[]}`;
  return `${text}],"conflicts":${JSON.stringify(conflicts)},"advisories":${JSON.stringify(advisories)}${cloud === undefined ? '' : `,"cloud":${JSON.stringify(cloud)}`}}`;
}
