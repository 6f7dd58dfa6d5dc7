// What a schema cannot say about fingerprint rule files: the shape is checked against fingerprints/schema.json
// first (src/match/rule-schema.ts); here the rules are compiled and held to the other files (hw.vendor names a
// vendor of vendors.json, ids are unique across files) and to their own pattern (it compiles, $n groups exist).
import { CamauditError } from '../errors.js';
import type { DeviceClass } from '../model.js';
import type { RuleFileDocument } from './rule-schema.js';
import { type CompiledRule, DEVICE_CLASSES, type ParamTemplate, type RuleParam } from './types.js';

const CAPTURE_REFERENCE = /\$(\d)/g;

export function badFingerprint(file: string, ruleId: string | undefined, message: string): CamauditError {
  const where = ruleId ? `${file}: rule "${ruleId}"` : file;
  return new CamauditError('CAMAUDIT_ERR_BAD_FINGERPRINT', `${where}: ${message}`);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function countCaptureGroups(regex: RegExp): number {
  // An alternation with the empty pattern always matches, and the match array has one slot per group.
  return (new RegExp(`${regex.source}|`).exec('')?.length ?? 1) - 1;
}

function checkParams(set: Partial<Record<RuleParam, string>>, where: (message: string) => CamauditError, vendors: ReadonlySet<string>, groups: number): void {
  for (const [name, raw] of Object.entries(set)) {
    for (const match of raw.matchAll(CAPTURE_REFERENCE)) {
      if (Number(match[1]) > groups || match[1] === '0') throw where(`param "${name}" refers to $${match[1]} but the pattern has ${groups} capture group(s)`);
    }
    const literal = !raw.includes('$');
    if (name === 'hw.vendor' && (!literal || !vendors.has(raw))) throw where(`hw.vendor "${raw}" must be a literal vendor name from vendors.json`);
    if (name === 'hw.class' && literal && !DEVICE_CLASSES.includes(raw as DeviceClass)) throw where(`hw.class "${raw}" is not a device class`);
  }
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

/** Compile one rule file's rules (already checked against schema.json). `order` continues across files. */
export function compileRuleFile(file: string, document: RuleFileDocument, vendors: ReadonlySet<string>, seenIds: Set<string>, firstOrder: number): CompiledRule[] {
  return document.rules.map((raw, index): CompiledRule => {
    const { id } = raw;
    const where = (message: string): CamauditError => badFingerprint(file, id, message);
    if (seenIds.has(id)) throw where('duplicate rule id');
    seenIds.add(id);
    let regex: RegExp;
    try {
      regex = new RegExp(raw.pattern, raw.flags ?? '');
    } catch (error) {
      throw where(`pattern does not compile: ${(error as Error).message}`);
    }
    checkParams(raw.set, where, vendors, countCaptureGroups(regex));
    return {
      id,
      file,
      order: firstOrder + index,
      fields: typeof raw.field === 'string' ? [raw.field] : raw.field,
      regex,
      set: Object.freeze({ ...raw.set }),
      confidence: raw.confidence,
      brandConfidence: raw.brandConfidence ?? raw.confidence,
      ...(raw.description !== undefined ? { description: raw.description } : {}),
      references: raw.source.reference,
      examples: raw.examples.map((example) => ({ value: example.value, expect: example.expect })),
      counterExamples: raw.counterExamples ?? [],
      hasCaptures: Object.values(raw.set).some((value) => value.includes('$')),
      templates: compileTemplates(raw.set),
    };
  });
}
