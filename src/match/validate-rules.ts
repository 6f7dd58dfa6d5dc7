// Validation of fingerprint rule files. Rule files are data written by people: everything enters as unknown
// and leaves as CompiledRule, or a CAMAUDIT_ERR_BAD_FINGERPRINT error naming the file and the rule.
import { CamauditError } from '../errors.js';
import type { DeviceClass } from '../model.js';
import {
  type CompiledRule,
  DEVICE_CLASSES,
  type ParamTemplate,
  FIRMWARE_FIELD,
  MODEL_FIELD,
  RULE_PARAMS,
  type RuleExample,
  type RuleParam,
} from './types.js';

/** Sections a field path may start with: the Observation sections of src/model.ts, plus the virtual fields. */
const FIELD_ROOTS = ['http', 'tls', 'rtsp', 'ssdp', 'wsdiscovery', 'onvif', 'mdns', 'sadp', 'dhip', 'neighbour'];
const ALLOWED_FLAGS = /^[imsu]*$/;
const RULE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CAPTURE_REFERENCE = /\$(\d)/g;

export function badFingerprint(file: string, ruleId: string | undefined, message: string): CamauditError {
  const where = ruleId ? `${file}: rule "${ruleId}"` : file;
  return new CamauditError('CAMAUDIT_ERR_BAD_FINGERPRINT', `${where}: ${message}`);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

export function isFieldPath(field: string): boolean {
  if (field === MODEL_FIELD || field === FIRMWARE_FIELD) return true;
  const [root, ...rest] = field.split('.');
  return root !== undefined && FIELD_ROOTS.includes(root) && rest.length > 0 && rest.every((part) => part.length > 0);
}

function countCaptureGroups(regex: RegExp): number {
  // An alternation with the empty pattern always matches, and the match array has one slot per group.
  return (new RegExp(`${regex.source}|`).exec('')?.length ?? 1) - 1;
}

function readParams(value: unknown, where: (message: string) => CamauditError, vendors: ReadonlySet<string>, groups: number): Partial<Record<RuleParam, string>> {
  if (!isRecord(value) || Object.keys(value).length === 0) throw where('"set" must be a non-empty object of params');
  const params: Partial<Record<RuleParam, string>> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!(RULE_PARAMS as readonly string[]).includes(name)) throw where(`unknown param "${name}" (known: ${RULE_PARAMS.join(', ')})`);
    if (typeof raw !== 'string' || raw.length === 0) throw where(`param "${name}" must be a non-empty string`);
    for (const match of raw.matchAll(CAPTURE_REFERENCE)) {
      if (Number(match[1]) > groups || match[1] === '0') throw where(`param "${name}" refers to $${match[1]} but the pattern has ${groups} capture group(s)`);
    }
    const literal = !raw.includes('$');
    if (name === 'hw.vendor' && (!literal || !vendors.has(raw))) throw where(`hw.vendor "${raw}" must be a literal vendor name from vendors.json`);
    if (name === 'hw.class' && literal && !DEVICE_CLASSES.includes(raw as DeviceClass)) throw where(`hw.class "${raw}" is not a device class`);
    params[name as RuleParam] = raw;
  }
  return params;
}

function readExamples(value: unknown, where: (message: string) => CamauditError): RuleExample[] {
  if (!Array.isArray(value) || value.length === 0) throw where('"examples" must be a non-empty array: every rule carries real example strings');
  return value.map((item, index) => {
    if (!isRecord(item) || typeof item.value !== 'string') throw where(`example ${index} needs a string "value"`);
    if (!isRecord(item.expect)) throw where(`example ${index} needs an "expect" object`);
    const expect: Partial<Record<RuleParam, string>> = {};
    for (const [name, raw] of Object.entries(item.expect)) {
      if (!(RULE_PARAMS as readonly string[]).includes(name) || typeof raw !== 'string') throw where(`example ${index} expects unknown or non-string param "${name}"`);
      expect[name as RuleParam] = raw;
    }
    return { value: item.value, expect };
  });
}

/**
 * Every param of `set` split into literal text and capture-group numbers (`"$1 $2"` → [1, " ", 2]), once, at
 * load, so a match expands its params without regex work. Literal params are one literal part.
 */
export function compileTemplates(set: Partial<Record<RuleParam, string>>): ParamTemplate[] {
  const templates: ParamTemplate[] = [];
  for (const [name, template] of Object.entries(set) as [RuleParam, string][]) {
    const parts: (string | number)[] = [];
    let last = 0;
    for (const match of template.matchAll(CAPTURE_REFERENCE)) {
      if (match.index > last) parts.push(template.slice(last, match.index));
      parts.push(Number(match[1]));
      last = match.index + match[0].length;
    }
    if (last < template.length) parts.push(template.slice(last));
    templates.push({ name, parts });
  }
  return templates;
}

/** Validate and compile one rule file's rules. `order` continues across files so ordering is global and stable. */
export function compileRuleFile(file: string, document: unknown, vendors: ReadonlySet<string>, seenIds: Set<string>, firstOrder: number): CompiledRule[] {
  if (!isRecord(document) || !Array.isArray(document.rules)) throw badFingerprint(file, undefined, 'a rule file is an object with a "rules" array');
  return document.rules.map((raw, index): CompiledRule => {
    const id = isRecord(raw) && typeof raw.id === 'string' ? raw.id : undefined;
    const where = (message: string): CamauditError => badFingerprint(file, id ?? `#${index}`, message);
    if (!isRecord(raw) || id === undefined || !RULE_ID.test(id)) throw where('"id" must be a kebab-case string');
    if (seenIds.has(id)) throw where('duplicate rule id');
    seenIds.add(id);
    const fields = typeof raw.field === 'string' ? [raw.field] : raw.field;
    if (!isStringArray(fields) || fields.length === 0 || !fields.every(isFieldPath)) throw where(`"field" must name Observation fields (e.g. http.headers.server), got ${JSON.stringify(raw.field)}`);
    if (typeof raw.pattern !== 'string' || raw.pattern.length === 0) throw where('"pattern" must be a non-empty string');
    const flags = raw.flags ?? '';
    if (typeof flags !== 'string' || !ALLOWED_FLAGS.test(flags)) throw where('"flags" may only hold i, m, s, u');
    let regex: RegExp;
    try {
      regex = new RegExp(raw.pattern, flags);
    } catch (error) {
      throw where(`pattern does not compile: ${(error as Error).message}`);
    }
    const set = readParams(raw.set, where, vendors, countCaptureGroups(regex));
    if (typeof raw.confidence !== 'number' || !(raw.confidence >= 0 && raw.confidence <= 1)) throw where('"confidence" must be a number in 0..1');
    const brandConfidence = raw.brandConfidence ?? raw.confidence;
    if (typeof brandConfidence !== 'number' || !(brandConfidence >= 0 && brandConfidence <= 1)) throw where('"brandConfidence" must be a number in 0..1');
    if (raw.brandConfidence !== undefined && set['hw.brand'] === undefined) throw where('"brandConfidence" weighs the rule\'s hw.brand, but the rule sets none');
    const source = raw.source;
    if (!isRecord(source) || typeof source.author !== 'string' || source.author.length === 0) throw where('"source.author" is required');
    if (!isStringArray(source.reference) || source.reference.length === 0) throw where('"source.reference" must list at least one reference');
    const counterExamples = raw.counterExamples ?? [];
    if (!isStringArray(counterExamples)) throw where('"counterExamples" must be an array of strings');
    if (raw.description !== undefined && typeof raw.description !== 'string') throw where('"description" must be a string');
    return {
      id,
      file,
      order: firstOrder + index,
      fields,
      regex,
      set: Object.freeze(set),
      confidence: raw.confidence,
      brandConfidence,
      ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
      references: source.reference,
      examples: readExamples(raw.examples, where),
      counterExamples,
      hasCaptures: Object.values(set).some((value) => value.includes('$')),
      templates: compileTemplates(set),
    };
  });
}
