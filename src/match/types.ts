// Shapes of the fingerprint knowledge base once loaded and compiled. The JSON files in fingerprints/ are the
// source; these are what the matcher works with (regexes compiled once, rules indexed by field).
import type { DeviceClass, FirmwareVersion } from '../model.js';

/** Params a rule may set. `hw.class` is a DeviceClass; `hw.mac` feeds the OUI lookup. */
export const RULE_PARAMS = ['hw.vendor', 'hw.brand', 'hw.model', 'hw.firmware', 'hw.serial', 'hw.mac', 'hw.class'] as const;
export type RuleParam = (typeof RULE_PARAMS)[number];

export const DEVICE_CLASSES: readonly DeviceClass[] = [
  'camera', 'nvr', 'dvr', 'intercom', 'doorbell', 'access-control', 'printer', 'router', 'other', 'unknown',
];

/** Virtual fields: rules on these see the models and firmware versions other rules extracted. */
export const MODEL_FIELD = 'hw.model';
export const FIRMWARE_FIELD = 'hw.firmware';

export interface RuleExample {
  value: string;
  expect: Partial<Record<RuleParam, string>>;
}

/** One `set` param split at load into literal text and capture-group numbers. */
export interface ParamTemplate {
  name: RuleParam;
  parts: readonly (string | number)[];
}

export interface CompiledRule {
  id: string;
  /** The file the rule came from, for error messages and reports. */
  file: string;
  /** Position in its file: first match wins within a field, as in Recog. */
  order: number;
  fields: string[];
  regex: RegExp;
  set: Partial<Record<RuleParam, string>>;
  confidence: number;
  /**
   * How strongly this rule's `hw.brand` counts when brand claims compete (the rule file's `brandConfidence`,
   * defaulting to `confidence`). A model family of the maker's own line names the maker's own brand only weakly,
   * so any explicit label (ONVIF Manufacturer, name/ scope, OEM OUI, SADP OEMInfo) outweighs it.
   */
  brandConfidence: number;
  description?: string;
  references: string[];
  examples: RuleExample[];
  counterExamples: string[];
  /** True when `set` holds a `$n` capture reference (so params must be expanded per match). */
  hasCaptures: boolean;
  /** Every param of `set` in order, pre-split so a match expands captures without regex work. */
  templates: readonly ParamTemplate[];
}

export interface VendorInfo {
  name: string;
  aliases: string[];
  covered: boolean;
  coveredReason: string | null;
  references: string[];
  deviceClassHint?: DeviceClass;
}

export type BrandRelation = 'own' | 'sub-brand' | 'subsidiary' | 'affiliate' | 'oem' | 'oem-partial' | 'multi-source';

export interface BrandInfo {
  name: string;
  /** The maker behind the brand, or null when the brand sources from several makers. */
  maker: string | null;
  relation: BrandRelation;
  /** What the brand alone adds to the maker's score (always below the verdict threshold). */
  impliedConfidence: number;
  references: string[];
}

export interface OuiEntry {
  prefix: string;
  length: 24 | 28 | 36;
  organisation: string;
  vendor?: string;
  brand?: string;
  deviceClass?: DeviceClass;
}

export interface AdvisoryRange {
  series: string;
  modelRegex: RegExp;
  from?: string;
  to?: string;
  /** `from` and `to` parsed once at load. */
  fromVersion?: FirmwareVersion;
  toVersion?: FirmwareVersion;
  buildFrom?: string;
  buildBefore?: string;
  probable: boolean;
  note?: string;
}

export interface AdvisoryInfo {
  id: string;
  title: string;
  vendor: string;
  kev: boolean;
  references: string[];
  ranges: AdvisoryRange[];
}

export interface OuiIndex {
  lookup(mac: string): OuiEntry | undefined;
  /** Lookup of a MAC in the lower-case colon form that normaliseMac returns (what observations carry). */
  lookupColonForm(mac: string): OuiEntry | undefined;
  readonly size: number;
}

export interface KnowledgeBase {
  directory: string;
  /** Field rules (every field except the virtual ones), in file order. */
  rules: CompiledRule[];
  /** Rules by field path, each list in file order. */
  rulesByField: ReadonlyMap<string, readonly CompiledRule[]>;
  modelRules: readonly CompiledRule[];
  firmwareRules: readonly CompiledRule[];
  /** Every rule (field, model and firmware rules) by id: evidence names its rule by id. */
  ruleById: ReadonlyMap<string, CompiledRule>;
  /** Ids of the model-pattern rules (field hw.model). */
  modelRuleIds: ReadonlySet<string>;
  vendors: ReadonlyMap<string, VendorInfo>;
  /** Lower-cased alias → canonical vendor name. */
  vendorAliases: ReadonlyMap<string, string>;
  /** Lower-cased alias → brand. */
  brandAliases: ReadonlyMap<string, BrandInfo>;
  genericBrandNames: ReadonlySet<string>;
  oui: OuiIndex;
  ouiSource: { package: string; version: string };
  advisories: readonly AdvisoryInfo[];
}
