import type { ErrorObject } from 'ajv';
import validateRuleFile from './rule-schema.generated.js';
import type { RuleParam } from './types.js';
import { badFingerprint } from './validate-rules.js';

// The shape of a rule file is said once, in fingerprints/schema.json (draft 2020-12), and checked here by the
// validator ajv compiles from it (scripts/generate-rule-validator.ts; a test keeps the two in step).
// src/match/validate-rules.ts checks only what a schema cannot say (vendors of vendors.json, capture groups of the
// pattern, ids unique across files).

/** A rule as fingerprints/schema.json describes it. */
export interface RuleDocument {
  id: string;
  field: string | string[];
  pattern: string;
  flags?: string;
  set: Partial<Record<RuleParam, string>>;
  confidence: number;
  brandConfidence?: number;
  description?: string;
  source: { author: string; reference: string[] };
  examples: { value: string; expect: Partial<Record<RuleParam, string>> }[];
  counterExamples?: string[];
}

export interface RuleFileDocument {
  $schema?: string;
  description?: string;
  rules: RuleDocument[];
}

const validate = validateRuleFile as unknown as ((document: unknown) => document is RuleFileDocument) & { errors?: ErrorObject[] | null };

function describeError(error: ErrorObject): string {
  const params = error.params as { allowedValues?: unknown[] };
  const property = error.propertyName !== undefined ? ` property name "${error.propertyName}"` : '';
  const allowed = Array.isArray(params.allowedValues) ? ` (${params.allowedValues.join(', ')})` : '';
  return `${error.instancePath.replace(/^\/rules\/\d+\/?/, '') || '(rule)'}${property} ${error.message ?? 'is not valid'}${allowed}`;
}

/** Throws CAMAUDIT_ERR_BAD_FINGERPRINT naming the file, the first failing rule and what schema.json says of it. */
export function checkRuleFileShape(file: string, document: unknown): asserts document is RuleFileDocument {
  if (validate(document)) return;
  // propertyNames repeats its specific error (which names the property) as a summary: keep the specific one.
  const errors = (validate.errors ?? []).filter((error) => error.keyword !== 'propertyNames');
  const first = errors[0];
  const index = first ? /^\/rules\/(\d+)/.exec(first.instancePath)?.[1] : undefined;
  const rules = (document as { rules?: unknown[] } | null)?.rules;
  const raw = index !== undefined && Array.isArray(rules) ? (rules[Number(index)] as { id?: unknown } | undefined) : undefined;
  const ruleId = index === undefined ? undefined : typeof raw?.id === 'string' ? raw.id : `#${index}`;
  const sameRule = errors.filter((error) => index === undefined || error.instancePath.startsWith(`/rules/${index}`));
  throw badFingerprint(file, ruleId, `does not follow schema.json: ${[...new Set(sameRule.map(describeError))].slice(0, 4).join('; ')}`);
}
