// Reads fingerprints/ once: vendors, brands, OUI assignments, advisories and every rule file, validated and
// compiled. Rule files are all *.json in the directory except the data files named below.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceClass } from '../model.js';
import { packageRoot } from '../package-root.js';
import { parseFirmware } from './firmware.js';
import { createOuiIndex } from './oui.js';
import type { AdvisoryInfo, BrandInfo, BrandRelation, CompiledRule, KnowledgeBase, OuiEntry, VendorInfo } from './types.js';
import { DEVICE_CLASSES, FIRMWARE_FIELD, MODEL_FIELD } from './types.js';
import { checkRuleFileShape } from './rule-schema.js';
import { badFingerprint, compileRuleFile, isRecord } from './validate-rules.js';

export const DATA_FILES = new Set(['vendors.json', 'oem-brands.json', 'oui.generated.json', 'advisories.json', 'counter-examples.json', 'schema.json']);
const BRAND_RELATIONS: readonly BrandRelation[] = ['own', 'sub-brand', 'subsidiary', 'affiliate', 'oem', 'oem-partial', 'multi-source'];

export function defaultFingerprintDirectory(): string {
  return join(packageRoot(), 'fingerprints');
}

function readJsonFile(directory: string, file: string): unknown {
  const text = readFileSync(join(directory, file), 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badFingerprint(file, undefined, `not valid JSON: ${(error as Error).message}`);
  }
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Lower case, spaces/underscores/percent-encoded spaces collapsed: how brand and vendor names are compared. */
export function nameKey(name: string): string {
  return name.replace(/%20|\+|_/g, ' ').replace(/\s+/g, ' ').trim().toLowerCase();
}

function readVendors(document: unknown): Map<string, VendorInfo> {
  if (!isRecord(document) || !Array.isArray(document.vendors)) throw badFingerprint('vendors.json', undefined, 'needs a "vendors" array');
  const vendors = new Map<string, VendorInfo>();
  for (const raw of document.vendors) {
    if (!isRecord(raw) || typeof raw.name !== 'string' || typeof raw.covered !== 'boolean') throw badFingerprint('vendors.json', undefined, `vendor entry ${JSON.stringify(raw).slice(0, 80)} needs a name and covered`);
    if (raw.covered && (typeof raw.coveredReason !== 'string' || strings(raw.references).length === 0)) {
      throw badFingerprint('vendors.json', raw.name, 'a covered vendor needs coveredReason and references citing the legal list');
    }
    const hint = raw.deviceClassHint;
    if (hint !== undefined && !DEVICE_CLASSES.includes(hint as DeviceClass)) throw badFingerprint('vendors.json', raw.name, `unknown deviceClassHint ${String(hint)}`);
    vendors.set(raw.name, {
      name: raw.name,
      aliases: strings(raw.aliases),
      covered: raw.covered,
      coveredReason: typeof raw.coveredReason === 'string' ? raw.coveredReason : null,
      references: strings(raw.references),
      ...(hint !== undefined ? { deviceClassHint: hint as DeviceClass } : {}),
    });
  }
  return vendors;
}

function readBrands(document: unknown, vendors: ReadonlyMap<string, VendorInfo>): { brands: BrandInfo[]; aliases: Map<string, BrandInfo>; generic: Set<string> } {
  if (!isRecord(document) || !Array.isArray(document.brands)) throw badFingerprint('oem-brands.json', undefined, 'needs a "brands" array');
  const brands: BrandInfo[] = [];
  const aliases = new Map<string, BrandInfo>();
  for (const raw of document.brands) {
    if (!isRecord(raw) || typeof raw.name !== 'string') throw badFingerprint('oem-brands.json', undefined, 'each brand needs a name');
    const maker = raw.maker === null ? null : typeof raw.maker === 'string' ? raw.maker : undefined;
    if (maker === undefined || (maker !== null && !vendors.has(maker))) throw badFingerprint('oem-brands.json', raw.name, '"maker" must be a vendor of vendors.json or null');
    if (!BRAND_RELATIONS.includes(raw.relation as BrandRelation)) throw badFingerprint('oem-brands.json', raw.name, `unknown relation ${String(raw.relation)}`);
    const implied = raw.impliedConfidence;
    if (typeof implied !== 'number' || implied < 0 || implied >= 0.5) throw badFingerprint('oem-brands.json', raw.name, 'impliedConfidence must be in [0, 0.5): a brand alone never proves the maker');
    const sources = Array.isArray(raw.sources) ? raw.sources.filter(isRecord) : [];
    if (sources.length === 0) throw badFingerprint('oem-brands.json', raw.name, 'each brand needs at least one source');
    const brand: BrandInfo = { name: raw.name, maker, relation: raw.relation as BrandRelation, impliedConfidence: implied, references: sources.map((source) => String(source.reference)) };
    brands.push(brand);
    for (const alias of [raw.name, ...strings(raw.aliases)]) aliases.set(nameKey(alias), brand);
  }
  return { brands, aliases, generic: new Set(strings(document.genericNames).map(nameKey)) };
}

function readOui(document: unknown): { entries: OuiEntry[]; source: { package: string; version: string } } {
  if (!isRecord(document) || !Array.isArray(document.entries) || !isRecord(document.generatedFrom)) throw badFingerprint('oui.generated.json', undefined, 'needs generatedFrom and entries (run npm run generate:oui)');
  const entries: OuiEntry[] = [];
  for (const raw of document.entries) {
    if (!isRecord(raw) || typeof raw.prefix !== 'string' || !/^[0-9A-F]{6}(?:[0-9A-F]|[0-9A-F]{3})?$/.test(raw.prefix) || typeof raw.organisation !== 'string') {
      throw badFingerprint('oui.generated.json', undefined, `bad entry ${JSON.stringify(raw).slice(0, 80)}`);
    }
    entries.push(raw as unknown as OuiEntry);
  }
  return { entries, source: { package: String(document.generatedFrom.package), version: String(document.generatedFrom.version) } };
}

function readAdvisories(document: unknown, vendors: ReadonlyMap<string, VendorInfo>): AdvisoryInfo[] {
  if (!isRecord(document) || !Array.isArray(document.advisories)) throw badFingerprint('advisories.json', undefined, 'needs an "advisories" array');
  return document.advisories.map((raw): AdvisoryInfo => {
    if (!isRecord(raw) || typeof raw.id !== 'string' || typeof raw.title !== 'string' || typeof raw.vendor !== 'string' || !vendors.has(raw.vendor)) {
      throw badFingerprint('advisories.json', isRecord(raw) ? String(raw.id) : undefined, 'needs id, title and a vendor of vendors.json');
    }
    const references = strings(raw.references);
    if (references.length === 0 || !Array.isArray(raw.ranges) || raw.ranges.length === 0) throw badFingerprint('advisories.json', raw.id, 'needs references and ranges');
    const ranges = raw.ranges.map((range) => {
      if (!isRecord(range) || typeof range.series !== 'string' || typeof range.modelPattern !== 'string') throw badFingerprint('advisories.json', String(raw.id), 'each range needs series and modelPattern');
      const optional = (key: string): string | undefined => (typeof range[key] === 'string' ? (range[key] as string) : undefined);
      const from = optional('from');
      const to = optional('to');
      const buildFrom = optional('buildFrom');
      const buildBefore = optional('buildBefore');
      if (!from && !to && !buildFrom && !buildBefore) throw badFingerprint('advisories.json', String(raw.id), `range ${range.series} needs from/to or build dates`);
      const note = optional('note');
      return {
        series: range.series,
        modelRegex: new RegExp(range.modelPattern, 'i'),
        probable: range.probable === true,
        ...(from ? { from, fromVersion: parseFirmware(from) } : {}),
        ...(to ? { to, toVersion: parseFirmware(to) } : {}),
        ...(buildFrom ? { buildFrom } : {}),
        ...(buildBefore ? { buildBefore } : {}),
        ...(note ? { note } : {}),
      };
    });
    return { id: raw.id, title: raw.title, vendor: raw.vendor, kev: raw.kev === true, references, ranges };
  });
}

export function readKnowledgeBase(directory: string): KnowledgeBase {
  const vendors = readVendors(readJsonFile(directory, 'vendors.json'));
  const vendorAliases = new Map<string, string>();
  for (const vendor of vendors.values()) for (const alias of [vendor.name, ...vendor.aliases]) vendorAliases.set(nameKey(alias), vendor.name);
  const { aliases: brandAliases, generic } = readBrands(readJsonFile(directory, 'oem-brands.json'), vendors);
  const oui = readOui(readJsonFile(directory, 'oui.generated.json'));
  const advisories = readAdvisories(readJsonFile(directory, 'advisories.json'), vendors);

  const vendorNames = new Set(vendors.keys());
  const seenIds = new Set<string>();
  const compiled: CompiledRule[] = [];
  const ruleFiles = readdirSync(directory).filter((file) => file.endsWith('.json') && !DATA_FILES.has(file)).sort();
  for (const file of ruleFiles) {
    const document = readJsonFile(directory, file);
    checkRuleFileShape(file, document);
    compiled.push(...compileRuleFile(file, document, vendorNames, seenIds, compiled.length));
  }

  const rulesByField = new Map<string, CompiledRule[]>();
  const modelRules: CompiledRule[] = [];
  const firmwareRules: CompiledRule[] = [];
  const rules: CompiledRule[] = [];
  for (const rule of compiled) {
    for (const field of rule.fields) {
      if (field === MODEL_FIELD) modelRules.push(rule);
      else if (field === FIRMWARE_FIELD) firmwareRules.push(rule);
      else {
        const list = rulesByField.get(field) ?? [];
        list.push(rule);
        rulesByField.set(field, list);
      }
    }
    if (!rule.fields.includes(MODEL_FIELD) && !rule.fields.includes(FIRMWARE_FIELD)) rules.push(rule);
  }
  const ruleById = new Map(compiled.map((rule) => [rule.id, rule]));
  return {
    directory,
    rules,
    rulesByField,
    modelRules,
    firmwareRules,
    ruleById,
    modelRuleIds: new Set(modelRules.map((rule) => rule.id)),
    vendors,
    vendorAliases,
    brandAliases,
    genericBrandNames: generic,
    oui: createOuiIndex(oui.entries),
    ouiSource: oui.source,
    advisories,
  };
}

let cachedDefault: KnowledgeBase | undefined;

/** The knowledge base in `directory`, or the package's own fingerprints/ (read once and cached). */
export function loadKnowledgeBase(directory?: string): KnowledgeBase {
  if (directory !== undefined) return readKnowledgeBase(directory);
  cachedDefault ??= readKnowledgeBase(defaultFingerprintDirectory());
  return cachedDefault;
}
