// Applies the rules to one observation and returns the evidence: field rules first (first match wins per
// value, as in Recog), then model and firmware patterns on what they extracted, then the OUI registry.
import type { Evidence, Observation } from '../model.js';
import { type FieldAccessor, createFieldAccessor, fieldValues } from './fields.js';
import { colonForm, macHex } from './oui.js';
import type { CompiledRule, KnowledgeBase, RuleParam } from './types.js';
import { EVIDENCE_VALUE_CAP, OUI_CONFIDENCE } from './weights.js';

interface FieldPlan {
  accessor: FieldAccessor;
  rules: readonly CompiledRule[];
}

const plans = new WeakMap<KnowledgeBase, Map<string, FieldPlan[]>>();

/** Field plans grouped by Observation section, so an observation only visits the sections it has. */
function planFor(knowledgeBase: KnowledgeBase): Map<string, FieldPlan[]> {
  let plan = plans.get(knowledgeBase);
  if (plan) return plan;
  plan = new Map();
  for (const [field, rules] of knowledgeBase.rulesByField) {
    const accessor = createFieldAccessor(field);
    const list = plan.get(accessor.root) ?? [];
    list.push({ accessor, rules: [...rules].sort((a, b) => a.order - b.order) });
    plan.set(accessor.root, list);
  }
  plans.set(knowledgeBase, plan);
  return plan;
}

/**
 * The params a rule sets for one match, with $1..$9 replaced by the captured text (trimmed). Rules without
 * captures share their frozen `set` object: evidence params are read-only.
 */
export function expandParams(rule: CompiledRule, match: RegExpExecArray): Record<string, string> {
  if (!rule.hasCaptures) return rule.set as Record<string, string>;
  const params: Record<string, string> = {};
  for (const [name, template] of Object.entries(rule.set)) {
    const value = template.replace(/\$(\d)/g, (_, digit: string) => match[Number(digit)] ?? '').trim();
    if (value !== '') params[name] = value;
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

function evidenceOf(rule: CompiledRule, field: string, value: string, params: Record<string, string>, observation: Observation): Evidence {
  return { ruleId: rule.id, field, value: clip(value), params, confidence: rule.confidence, source: observation.source, observationId: observation.id };
}

function applyDerivedRules(rules: readonly CompiledRule[], param: RuleParam, evidence: Evidence[], observation: Observation): void {
  if (rules.length === 0) return;
  const seen = new Set<string>();
  const count = evidence.length;
  for (let index = 0; index < count; index += 1) {
    const producer = evidence[index]!;
    const value = producer.params[param];
    if (value === undefined || seen.has(`${producer.field}\0${value}`)) continue;
    seen.add(`${producer.field}\0${value}`);
    const found = firstMatch(rules, value);
    // A derived rule counts for the channel its value came from, never as a channel of its own.
    if (found) evidence.push(evidenceOf(found.rule, producer.field, value, expandParams(found.rule, found.match), observation));
  }
}

/** OUI evidence for the observation's MAC and any MAC a rule extracted (SADP, DHIP, WS-Discovery UUID, mDNS). */
export function ouiEvidence(knowledgeBase: KnowledgeBase, macs: Iterable<string>, observation: Observation): Evidence[] {
  const evidence: Evidence[] = [];
  const seen = new Set<string>();
  for (const mac of macs) {
    const hex = macHex(mac);
    if (!hex || seen.has(hex)) continue;
    seen.add(hex);
    const entry = knowledgeBase.oui.lookup(hex);
    if (!entry || (!entry.vendor && !entry.brand)) continue;
    const params: Record<string, string> = {};
    if (entry.vendor) params['hw.vendor'] = entry.vendor;
    if (entry.brand) params['hw.brand'] = entry.brand;
    if (entry.deviceClass) params['hw.class'] = entry.deviceClass;
    evidence.push({
      ruleId: `oui:${entry.prefix}/${entry.length}`,
      field: 'mac',
      value: `${colonForm(hex)} (${entry.organisation})`,
      params,
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
  const plan = planFor(knowledgeBase);
  const sections = observation as unknown as Record<string, unknown>;
  for (const [root, fieldPlans] of plan) {
    if (sections[root] === undefined) continue;
    for (const fieldPlan of fieldPlans) {
      const values = fieldValues(observation, fieldPlan.accessor);
      for (const value of values) {
        const found = firstMatch(fieldPlan.rules, value);
        if (found) evidence.push(evidenceOf(found.rule, fieldPlan.accessor.field, value, expandParams(found.rule, found.match), observation));
      }
    }
  }
  applyDerivedRules(knowledgeBase.modelRules, 'hw.model', evidence, observation);
  applyDerivedRules(knowledgeBase.firmwareRules, 'hw.firmware', evidence, observation);
  const macs: string[] = [];
  if (observation.mac) macs.push(observation.mac);
  for (const item of evidence) if (item.params['hw.mac']) macs.push(item.params['hw.mac']);
  if (macs.length > 0) evidence.push(...ouiEvidence(knowledgeBase, macs, observation));
  return evidence;
}
