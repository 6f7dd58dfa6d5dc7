// Evidence → one Identification. The maker is decided by agreement between independent channels (the
// protocol a rule read, or the OUI registry), never by one weak signal; the brand comes from label evidence
// and may differ from the maker (an LTS-branded Hikvision is vendor Hikvision, brand LTS); disagreements are
// listed, not hidden; `covered` comes only from vendors.json.
import type { DeviceClass, Evidence, FirmwareVersion, Identification } from '../model.js';
import { findAdvisories } from './advisories.js';
import { colonForm, macHex } from './oui.js';
import { parseFirmware } from './firmware.js';
import { nameKey } from './load-knowledge-base.js';
import type { BrandInfo, KnowledgeBase } from './types.js';
import { DEVICE_CLASSES } from './types.js';
import { CHANNEL_CAP, CONFLICT_FLOOR, CONFLICT_PENALTY, OUI_CLASS_WEIGHT, VERDICT_THRESHOLD } from './weights.js';

/** What a brand on its own adds to its own maker (brands named after a vendor of vendors.json). */
const OWN_BRAND_IMPLIED = 0.45;

interface ResolvedBrand {
  name: string;
  brand?: BrandInfo;
  ownVendor?: string;
}

interface VendorScore {
  vendor: string;
  total: number;
  channels: Map<string, number[]>;
  ruleIds: Set<string>;
}

export function channelOf(evidence: Evidence): string {
  if (evidence.field === 'mac') return 'oui';
  const dot = evidence.field.indexOf('.');
  return dot < 0 ? evidence.field : evidence.field.slice(0, dot);
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' ')).trim();
  } catch {
    // Malformed percent-encoding from a device: keep the raw text, it is still a label.
    return value.trim();
  }
}

export function resolveBrand(knowledgeBase: KnowledgeBase, raw: string): ResolvedBrand | undefined {
  const text = decode(raw);
  const key = nameKey(text);
  if (key === '' || knowledgeBase.genericBrandNames.has(key)) return undefined;
  const brand = knowledgeBase.brandAliases.get(key);
  if (brand) return { name: brand.name, brand };
  const ownVendor = knowledgeBase.vendorAliases.get(key);
  if (ownVendor) return { name: ownVendor, ownVendor };
  return { name: text };
}

function noisyOr(values: Iterable<number>): number {
  let miss = 1;
  for (const value of values) miss *= 1 - value;
  return 1 - miss;
}

function channelScore(confidences: number[]): number {
  let highest = 0;
  for (const value of confidences) if (value > highest) highest = value;
  return Math.max(highest, Math.min(CHANNEL_CAP, noisyOr(confidences)));
}

function colonMac(raw: string | undefined): string | undefined {
  const hex = raw ? macHex(raw) : undefined;
  return hex ? colonForm(hex) : undefined;
}

const modelRuleIdCache = new WeakMap<KnowledgeBase, ReadonlySet<string>>();
function modelRuleIds(knowledgeBase: KnowledgeBase): ReadonlySet<string> {
  let ids = modelRuleIdCache.get(knowledgeBase);
  if (!ids) {
    ids = new Set(knowledgeBase.modelRules.map((rule) => rule.id));
    modelRuleIdCache.set(knowledgeBase, ids);
  }
  return ids;
}

const round = (value: number): number => Math.round(value * 100) / 100;

function scoreVendors(knowledgeBase: KnowledgeBase, evidence: readonly Evidence[]): VendorScore[] {
  const scores = new Map<string, VendorScore>();
  const vote = (vendor: string, item: Evidence, confidence: number): void => {
    if (confidence <= 0) return;
    let score = scores.get(vendor);
    if (!score) {
      score = { vendor, total: 0, channels: new Map(), ruleIds: new Set() };
      scores.set(vendor, score);
    }
    const channel = channelOf(item);
    const list = score.channels.get(channel);
    if (list) list.push(confidence);
    else score.channels.set(channel, [confidence]);
    score.ruleIds.add(item.ruleId);
  };
  for (const item of evidence) {
    const vendor = item.params['hw.vendor'];
    if (vendor) {
      vote(vendor, item, item.confidence);
      continue;
    }
    const brandName = item.params['hw.brand'];
    const resolved = brandName ? resolveBrand(knowledgeBase, brandName) : undefined;
    if (resolved?.brand?.maker) vote(resolved.brand.maker, item, Math.min(item.confidence, resolved.brand.impliedConfidence));
    else if (resolved?.ownVendor) vote(resolved.ownVendor, item, Math.min(item.confidence, OWN_BRAND_IMPLIED));
  }
  for (const score of scores.values()) {
    let miss = 1;
    for (const confidences of score.channels.values()) miss *= 1 - channelScore(confidences);
    score.total = 1 - miss;
  }
  return [...scores.values()].sort((a, b) => b.total - a.total || a.vendor.localeCompare(b.vendor));
}

function bestValue(evidence: readonly Evidence[], param: string, bonus?: (item: Evidence, value: string) => number): string | null {
  let best: string | null = null;
  let bestScore = -1;
  for (const item of evidence) {
    const value = item.params[param];
    if (!value) continue;
    const score = item.confidence + (bonus?.(item, value) ?? 0);
    if (score > bestScore) {
      best = value;
      bestScore = score;
    }
  }
  return best;
}

function chooseBrand(knowledgeBase: KnowledgeBase, evidence: readonly Evidence[], vendor: string | null, conflicts: string[]): string | null {
  const weights = new Map<string, number>();
  for (const item of evidence) {
    const raw = item.params['hw.brand'];
    const resolved = raw ? resolveBrand(knowledgeBase, raw) : undefined;
    if (!resolved) continue;
    const maker = resolved.brand ? resolved.brand.maker : resolved.ownVendor;
    if (vendor && maker && maker !== vendor) {
      conflicts.push(`brand ${resolved.name} (${item.ruleId}, ${item.field}) belongs to ${maker}, but the evidence names ${vendor} as the maker`);
      continue;
    }
    weights.set(resolved.name, Math.max(weights.get(resolved.name) ?? 0, item.confidence));
  }
  let best: string | null = null;
  let bestWeight = -1;
  for (const [name, weight] of weights) {
    if (weight > bestWeight) {
      best = name;
      bestWeight = weight;
    }
  }
  return best;
}

function chooseClass(evidence: readonly Evidence[]): DeviceClass {
  const weights = new Map<DeviceClass, number>();
  for (const item of evidence) {
    const value = item.params['hw.class'] as DeviceClass | undefined;
    if (!value || !DEVICE_CLASSES.includes(value)) continue;
    const weight = item.field === 'mac' ? OUI_CLASS_WEIGHT : item.confidence;
    weights.set(value, Math.max(weights.get(value) ?? 0, weight));
  }
  let best: DeviceClass = 'unknown';
  let bestWeight = 0;
  for (const [value, weight] of weights) {
    if (weight > bestWeight) {
      best = value;
      bestWeight = weight;
    }
  }
  return best;
}

export function combineEvidence(knowledgeBase: KnowledgeBase, evidence: readonly Evidence[], observedMacs: readonly string[]): Identification {
  const ranked = scoreVendors(knowledgeBase, evidence);
  const top = ranked[0];
  const runnerUp = ranked[1];
  const adjusted = top ? top.total * (1 - CONFLICT_PENALTY * (runnerUp?.total ?? 0)) : 0;
  const vendor = top && adjusted >= VERDICT_THRESHOLD ? top.vendor : null;
  const conflicts: string[] = [];
  for (const other of ranked) {
    if (other === top && vendor) continue;
    if (other.total < CONFLICT_FLOOR) continue;
    if (other === top) {
      if (runnerUp && runnerUp.total >= CONFLICT_FLOOR) conflicts.push(`undecided: ${other.vendor} scores ${round(other.total)} but ${runnerUp.vendor} scores ${round(runnerUp.total)}`);
      continue;
    }
    conflicts.push(`${other.vendor} also indicated (score ${round(other.total)}) by ${[...other.ruleIds].join(', ')}`);
  }

  // A model that one of the chosen maker's model patterns recognised beats a merely reported one.
  const patternIds = modelRuleIds(knowledgeBase);
  const confirmedModels = new Set<string>();
  for (const item of evidence) if (patternIds.has(item.ruleId) && item.params['hw.vendor'] === vendor) confirmedModels.add(item.value);
  const model = bestValue(evidence, 'hw.model', (_item, value) => (confirmedModels.has(value) ? 0.5 : 0));
  const firmwareRaw = bestValue(evidence, 'hw.firmware');
  const firmware: FirmwareVersion | null = firmwareRaw ? parseFirmware(firmwareRaw) : null;
  const serial = bestValue(evidence, 'hw.serial');
  const serials = new Set<string>();
  for (const item of evidence) if (item.params['hw.serial']) serials.add(item.params['hw.serial']);
  if (serials.size > 1) conflicts.push(`serial numbers differ: ${[...serials].join(' vs ')}`);
  let mac: string | null = null;
  for (const value of observedMacs) mac ??= colonMac(value) ?? null;
  for (const item of evidence) mac ??= colonMac(item.params['hw.mac']) ?? null;
  const brand = chooseBrand(knowledgeBase, evidence, vendor, conflicts);

  if (!vendor && brand) {
    const info = knowledgeBase.brandAliases.get(nameKey(brand));
    if (info?.maker) conflicts.push(`unconfirmed: brand ${brand} is sold with ${info.maker} hardware (${info.relation}), but no firmware, protocol or OUI evidence confirms the maker`);
  }

  const vendorInfo = vendor ? knowledgeBase.vendors.get(vendor) : undefined;
  const agreeing = top && vendor ? [...top.channels.keys()].sort() : [];
  const covered = vendorInfo?.covered === true;
  const sorted = [...evidence].sort((a, b) => b.confidence - a.confidence || a.ruleId.localeCompare(b.ruleId));
  return {
    vendor,
    brand,
    model,
    firmware,
    serial,
    mac,
    deviceClass: chooseClass(evidence),
    covered,
    coveredReason: covered ? `${vendorInfo!.coveredReason} Maker identified from ${agreeing.length} independent channel(s): ${agreeing.join(', ')}.` : null,
    confidence: round(adjusted),
    evidence: sorted,
    conflicts,
    advisories: findAdvisories(knowledgeBase.advisories, vendor, model, firmware),
  };
}
