// Applies the rules to one observation and returns the evidence: field rules first (first match wins per
// value, as in Recog), then model and firmware patterns on what they extracted, then the OUI registry.
// This runs once per observation of every scan, so the plan is built once per knowledge base and a match
// allocates little beyond the evidence it returns.
import type { Evidence, Observation } from '../model.js';
import { type FieldAccessor, createFieldAccessor, sectionValue } from './fields.js';
import { normaliseMac } from '../net/mac.js';
import type { CompiledRule, KnowledgeBase, OuiEntry, RuleParam } from './types.js';
import { CAPTURED_VALUE_CAP, EVIDENCE_VALUE_CAP, OUI_CONFIDENCE } from './weights.js';

interface FieldPlan {
  accessor: FieldAccessor;
  rules: readonly CompiledRule[];
}

interface SectionPlan {
  root: string;
  fields: readonly FieldPlan[];
}

const plans = new WeakMap<KnowledgeBase, readonly SectionPlan[]>();

/** Field plans grouped by Observation section, so an observation only visits the sections it has. */
function planFor(knowledgeBase: KnowledgeBase): readonly SectionPlan[] {
  let plan = plans.get(knowledgeBase);
  if (plan) return plan;
  const byRoot = new Map<string, FieldPlan[]>();
  for (const [field, rules] of knowledgeBase.rulesByField) {
    const accessor = createFieldAccessor(field);
    const list = byRoot.get(accessor.root) ?? [];
    list.push({ accessor, rules: [...rules].sort((a, b) => a.order - b.order) });
    byRoot.set(accessor.root, list);
  }
  plan = [...byRoot].map(([root, fields]) => ({ root, fields }));
  plans.set(knowledgeBase, plan);
  return plan;
}

/** `value` cut at CAPTURED_VALUE_CAP, never between the two halves of a surrogate pair. */
function capCaptured(value: string): string {
  if (value.length <= CAPTURED_VALUE_CAP) return value;
  const end = /[\uD800-\uDBFF]/.test(value[CAPTURED_VALUE_CAP - 1]!) ? CAPTURED_VALUE_CAP - 1 : CAPTURED_VALUE_CAP;
  return value.slice(0, end);
}

/**
 * The params a rule sets for one match, with $1..$9 replaced by the captured text (trimmed, and cut at
 * CAPTURED_VALUE_CAP so a rule such as `(.*)` cannot carry a device's 4 KiB header into a model). Rules without
 * captures share their frozen `set` object: evidence params are read-only.
 */
export function expandParams(rule: CompiledRule, match: RegExpExecArray): Record<string, string> {
  if (!rule.hasCaptures) return rule.set as Record<string, string>;
  const params: Record<string, string> = {};
  for (const template of rule.templates) {
    let value = '';
    for (const part of template.parts) value += typeof part === 'number' ? (match[part] ?? '') : part;
    value = capCaptured(value).trim();
    if (value !== '') params[template.name] = value;
  }
  return params;
}

/** The first rule (in file order) that matches `value`, with its match. */
export function firstMatch(rules: readonly CompiledRule[], value: string): { rule: CompiledRule; match: RegExpExecArray } | undefined {
  for (const rule of rules) {
    const match = rule.regex.exec(value);
    if (match) return { rule, match };
  }
  return undefined;
}

function clip(value: string): string {
  return value.length > EVIDENCE_VALUE_CAP ? `${value.slice(0, EVIDENCE_VALUE_CAP)}…` : value;
}

/** Matches one value against a field's rules and records the first match, if any. */
function matchValue(rules: readonly CompiledRule[], field: string, value: string, observation: Observation, evidence: Evidence[]): void {
  for (const rule of rules) {
    const match = rule.regex.exec(value);
    if (!match) continue;
    evidence.push({ ruleId: rule.id, field, value: clip(value), params: expandParams(rule, match), confidence: rule.confidence, source: observation.source, observationId: observation.id });
    return;
  }
}

function applyDerivedRules(rules: readonly CompiledRule[], param: RuleParam, evidence: Evidence[], observation: Observation): void {
  if (rules.length === 0) return;
  const count = evidence.length;
  producers: for (let index = 0; index < count; index += 1) {
    const producer = evidence[index]!;
    const value = producer.params[param];
    if (value === undefined) continue;
    // The same value from the same field (e.g. a model in two scopes) is matched once; lists are short.
    for (let earlier = 0; earlier < index; earlier += 1) {
      const other = evidence[earlier]!;
      if (other.field === producer.field && other.params[param] === value) continue producers;
    }
    // A derived rule counts for the channel its value came from, never as a channel of its own.
    matchValue(rules, producer.field, value, observation, evidence);
  }
}

interface OuiRule {
  ruleId: string;
  params: Readonly<Record<string, string>>;
}

const ouiRules = new WeakMap<OuiEntry, OuiRule | null>();

/** The rule id and (shared, frozen) params an OUI assignment yields, built once per entry. */
function ouiRuleOf(entry: OuiEntry): OuiRule | null {
  let rule = ouiRules.get(entry);
  if (rule !== undefined) return rule;
  if (!entry.vendor && !entry.brand) {
    rule = null;
  } else {
    const params: Record<string, string> = {};
    if (entry.vendor) params['hw.vendor'] = entry.vendor;
    if (entry.brand) params['hw.brand'] = entry.brand;
    if (entry.deviceClass) params['hw.class'] = entry.deviceClass;
    rule = { ruleId: `oui:${entry.prefix}/${entry.length}`, params: Object.freeze(params) };
  }
  ouiRules.set(entry, rule);
  return rule;
}

/** OUI evidence for the observation's MAC and any MAC a rule extracted (SADP, DHIP, WS-Discovery UUID, mDNS). */
export function ouiEvidence(knowledgeBase: KnowledgeBase, macs: Iterable<string>, observation: Observation, evidence: Evidence[] = []): Evidence[] {
  const seen: string[] = [];
  for (const mac of macs) {
    // Observations carry the lower-case colon form already (normaliseMac returns it as it is); MACs a rule read
    // from a packet may come in any notation.
    const canonical = normaliseMac(mac);
    if (!canonical || seen.includes(canonical)) continue;
    seen.push(canonical);
    const entry = knowledgeBase.oui.lookupColonForm(canonical);
    const rule = entry ? ouiRuleOf(entry) : null;
    if (!entry || !rule) continue;
    evidence.push({
      ruleId: rule.ruleId,
      field: 'mac',
      value: `${canonical} (${entry.organisation})`,
      params: rule.params as Record<string, string>,
      confidence: OUI_CONFIDENCE,
      source: observation.source,
      observationId: observation.id,
    });
  }
  return evidence;
}

/** Everything the knowledge base can say about one observation. */
export function matchObservationWith(knowledgeBase: KnowledgeBase, observation: Observation): Evidence[] {
  const evidence: Evidence[] = [];
  const sections = observation as unknown as Record<string, unknown>;
  for (const sectionPlan of planFor(knowledgeBase)) {
    const section = sections[sectionPlan.root];
    if (section === undefined) continue;
    for (const fieldPlan of sectionPlan.fields) {
      const value = sectionValue(section, fieldPlan.accessor);
      if (value === undefined) continue;
      if (typeof value === 'string') matchValue(fieldPlan.rules, fieldPlan.accessor.field, value, observation, evidence);
      else for (const item of value) matchValue(fieldPlan.rules, fieldPlan.accessor.field, item, observation, evidence);
    }
  }
  applyDerivedRules(knowledgeBase.modelRules, 'hw.model', evidence, observation);
  applyDerivedRules(knowledgeBase.firmwareRules, 'hw.firmware', evidence, observation);
  const macs: string[] = [];
  if (observation.mac) macs.push(observation.mac);
  for (const item of evidence) {
    const mac = item.params['hw.mac'];
    if (mac) macs.push(mac);
  }
  if (macs.length > 0) ouiEvidence(knowledgeBase, macs, observation, evidence);
  return evidence;
}
