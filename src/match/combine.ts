// Evidence → one Identification. The maker is decided by agreement between independent channels (the
// protocol a rule read, or the OUI registry), never by one weak signal; the brand comes from label evidence
// and may differ from the maker (an LTS-branded Hikvision is vendor Hikvision, brand LTS); disagreements are
// listed, not hidden; `covered` comes only from vendors.json.
// This runs once per device per scan (and once per line in `camaudit identify`): evidence lists are short, so
// small arrays scanned linearly replace per-call maps and sets.
import type { DeviceClass, Evidence, FirmwareVersion, Identification } from '../model.js';
import { findAdvisories } from './advisories.js';
import { normaliseMac } from '../net/mac.js';
import { parseFirmware } from './firmware.js';
import { nameKey } from './load-knowledge-base.js';
import type { BrandInfo, KnowledgeBase } from './types.js';
import { DEVICE_CLASSES } from './types.js';
import { CHANNEL_CAP, CONFLICT_FLOOR, CONFLICT_PENALTY, OUI_CLASS_WEIGHT, VERDICT_THRESHOLD } from './weights.js';
import { MATCH_LIMITS } from '../config.js';

/** What a brand on its own adds to its own maker (brands named after a vendor of vendors.json). */
const OWN_BRAND_IMPLIED = 0.45;
/** Model patterns add this to a model's weight when they recognise it as one of the chosen maker's. */
const CONFIRMED_MODEL_BONUS = 0.5;

interface ResolvedBrand {
  name: string;
  brand?: BrandInfo;
  ownVendor?: string;
}

interface ChannelTally {
  channel: string;
  highest: number;
  /** Product of (1 - confidence) over the channel's votes: noisy-OR without keeping the list. */
  miss: number;
}

interface VendorScore {
  vendor: string;
  total: number;
  channels: ChannelTally[];
  ruleIds: string[];
}

const deviceClasses: ReadonlySet<string> = new Set(DEVICE_CLASSES);
const channelNames = new Map<string, string>();

export function channelOf(evidence: Evidence): string {
  const { field } = evidence;
  if (field === 'mac') return 'oui';
  let channel = channelNames.get(field);
  if (channel === undefined) {
    const dot = field.indexOf('.');
    channel = dot < 0 ? field : field.slice(0, dot);
    if (channelNames.size >= MATCH_LIMITS.cacheEntries) channelNames.clear();
    channelNames.set(field, channel);
  }
  return channel;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' ')).trim();
  } catch {
    // Malformed percent-encoding from a device: keep the raw text, it is still a label.
    return value.trim();
  }
}

function resolveBrandUncached(knowledgeBase: KnowledgeBase, raw: string): ResolvedBrand | undefined {
  const text = decode(raw);
  const key = nameKey(text);
  if (key === '' || knowledgeBase.genericBrandNames.has(key)) return undefined;
  const brand = knowledgeBase.brandAliases.get(key);
  if (brand) return { name: brand.name, brand };
  const ownVendor = knowledgeBase.vendorAliases.get(key);
  if (ownVendor) return { name: ownVendor, ownVendor };
  return { name: text };
}

const resolvedBrands = new WeakMap<KnowledgeBase, Map<string, ResolvedBrand | null>>();

/** The brand a label names (decoded, aliases resolved), or undefined for generic labels. Cached per label. */
export function resolveBrand(knowledgeBase: KnowledgeBase, raw: string): ResolvedBrand | undefined {
  let cache = resolvedBrands.get(knowledgeBase);
  if (!cache) {
    cache = new Map();
    resolvedBrands.set(knowledgeBase, cache);
  }
  const cached = cache.get(raw);
  if (cached !== undefined) return cached ?? undefined;
  const resolved = resolveBrandUncached(knowledgeBase, raw);
  if (cache.size >= MATCH_LIMITS.cacheEntries) cache.clear();
  cache.set(raw, resolved ?? null);
  return resolved;
}

const round = (value: number): number => Math.round(value * 100) / 100;
const byCodeUnits = (left: string, right: string): number => (left < right ? -1 : left > right ? 1 : 0);

function vote(scores: VendorScore[], vendor: string, item: Evidence, confidence: number): void {
  if (confidence <= 0) return;
  let score: VendorScore | undefined;
  for (const candidate of scores) if (candidate.vendor === vendor) score = candidate;
  if (!score) {
    score = { vendor, total: 0, channels: [], ruleIds: [] };
    scores.push(score);
  }
  const channel = channelOf(item);
  let tally: ChannelTally | undefined;
  for (const candidate of score.channels) if (candidate.channel === channel) tally = candidate;
  if (!tally) {
    tally = { channel, highest: 0, miss: 1 };
    score.channels.push(tally);
  }
  if (confidence > tally.highest) tally.highest = confidence;
  tally.miss *= 1 - confidence;
  if (!score.ruleIds.includes(item.ruleId)) score.ruleIds.push(item.ruleId);
}

function scoreVendors(knowledgeBase: KnowledgeBase, evidence: readonly Evidence[]): VendorScore[] {
  const scores: VendorScore[] = [];
  for (const item of evidence) {
    const vendor = item.params['hw.vendor'];
    if (vendor) {
      vote(scores, vendor, item, item.confidence);
      continue;
    }
    const brandName = item.params['hw.brand'];
    const resolved = brandName ? resolveBrand(knowledgeBase, brandName) : undefined;
    if (resolved?.brand?.maker) vote(scores, resolved.brand.maker, item, Math.min(item.confidence, resolved.brand.impliedConfidence));
    else if (resolved?.ownVendor) vote(scores, resolved.ownVendor, item, Math.min(item.confidence, OWN_BRAND_IMPLIED));
  }
  for (const score of scores) {
    // Within a channel rules combine by noisy-OR up to CHANNEL_CAP (one rule above it keeps its own value);
    // channels combine by noisy-OR.
    let miss = 1;
    for (const tally of score.channels) miss *= 1 - Math.max(tally.highest, Math.min(CHANNEL_CAP, 1 - tally.miss));
    score.total = 1 - miss;
  }
  return scores.sort((a, b) => b.total - a.total || byCodeUnits(a.vendor, b.vendor));
}

/**
 * The brand with the strongest label evidence. Each claim weighs its rule's brandConfidence (so a model
 * family's own-brand claim yields to any explicit label); a brand of another maker than the one named is a
 * conflict, never a reason to change the maker.
 */
function chooseBrand(knowledgeBase: KnowledgeBase, evidence: readonly Evidence[], vendor: string | null, conflicts: string[]): string | null {
  const names: string[] = [];
  const weights: number[] = [];
  for (const item of evidence) {
    const raw = item.params['hw.brand'];
    const resolved = raw ? resolveBrand(knowledgeBase, raw) : undefined;
    if (!resolved) continue;
    const maker = resolved.brand ? resolved.brand.maker : resolved.ownVendor;
    if (vendor && maker && maker !== vendor) {
      conflicts.push(`brand ${resolved.name} (${item.ruleId}, ${item.field}) belongs to ${maker}, but the evidence names ${vendor} as the maker`);
      continue;
    }
    const weight = knowledgeBase.ruleById.get(item.ruleId)?.brandConfidence ?? item.confidence;
    const index = names.indexOf(resolved.name);
    if (index < 0) {
      names.push(resolved.name);
      weights.push(weight);
    } else if (weight > weights[index]!) weights[index] = weight;
  }
  let best: string | null = null;
  let bestWeight = -1;
  for (let index = 0; index < names.length; index += 1) {
    if (weights[index]! > bestWeight) {
      best = names[index]!;
      bestWeight = weights[index]!;
    }
  }
  return best;
}

function chooseClass(evidence: readonly Evidence[]): DeviceClass {
  const classes: DeviceClass[] = [];
  const weights: number[] = [];
  for (const item of evidence) {
    const value = item.params['hw.class'] as DeviceClass | undefined;
    if (!value || !deviceClasses.has(value)) continue;
    const weight = item.field === 'mac' ? OUI_CLASS_WEIGHT : item.confidence;
    const index = classes.indexOf(value);
    if (index < 0) {
      classes.push(value);
      weights.push(weight);
    } else if (weight > weights[index]!) weights[index] = weight;
  }
  let best: DeviceClass = 'unknown';
  let bestWeight = 0;
  for (let index = 0; index < classes.length; index += 1) {
    if (weights[index]! > bestWeight) {
      best = classes[index]!;
      bestWeight = weights[index]!;
    }
  }
  return best;
}

interface Labels {
  model: string | null;
  firmware: string | null;
  serial: string | null;
  serials: string[];
  mac: string | null;
}

/** Model, firmware, serial and MAC in one pass: each the value of the strongest evidence that sets it. */
function chooseLabels(knowledgeBase: KnowledgeBase, evidence: readonly Evidence[], vendor: string | null, observedMacs: readonly string[]): Labels {
  // A model that one of the chosen maker's model patterns recognised beats a merely reported one.
  const confirmedModels: string[] = [];
  if (vendor) for (const item of evidence) if (item.params['hw.vendor'] === vendor && knowledgeBase.modelRuleIds.has(item.ruleId)) confirmedModels.push(item.value);
  const labels: Labels = { model: null, firmware: null, serial: null, serials: [], mac: null };
  let modelScore = -1;
  let firmwareScore = -1;
  let serialScore = -1;
  for (const value of observedMacs) labels.mac ??= normaliseMac(value) ?? null;
  for (const item of evidence) {
    const { params, confidence } = item;
    const model = params['hw.model'];
    if (model) {
      const score = confidence + (confirmedModels.includes(model) ? CONFIRMED_MODEL_BONUS : 0);
      if (score > modelScore) {
        labels.model = model;
        modelScore = score;
      }
    }
    const firmware = params['hw.firmware'];
    if (firmware && confidence > firmwareScore) {
      labels.firmware = firmware;
      firmwareScore = confidence;
    }
    const serial = params['hw.serial'];
    if (serial) {
      if (confidence > serialScore) {
        labels.serial = serial;
        serialScore = confidence;
      }
      if (!labels.serials.includes(serial)) labels.serials.push(serial);
    }
    const mac = params['hw.mac'];
    if (mac && labels.mac === null) labels.mac = normaliseMac(mac) ?? null;
  }
  return labels;
}

// The few (vendor, channels) pairs there are give the same sentence every time: built once, and flattened once by
// the first JSON.stringify, where a freshly concatenated string would be flattened again for every line printed.
const coveredReasons = new Map<string, Map<string, string>>();

function coveredReasonOf(vendor: string, reason: string | null, channels: readonly ChannelTally[]): string {
  // One channel (the common case) is its own key: no list to sort nor key to build.
  const agreeing = channels.length === 1 ? undefined : channels.map((tally) => tally.channel).sort(byCodeUnits);
  const key = agreeing ? agreeing.join(',') : channels[0]!.channel;
  let byChannels = coveredReasons.get(vendor);
  if (byChannels === undefined) {
    byChannels = new Map();
    coveredReasons.set(vendor, byChannels);
  }
  let text = byChannels.get(key);
  if (text === undefined) {
    const names = agreeing ?? [key];
    text = `${reason ?? ''} Maker identified from ${names.length} independent channel(s): ${names.join(', ')}.`;
    if (byChannels.size >= MATCH_LIMITS.cacheEntries) byChannels.clear();
    byChannels.set(key, text);
  }
  return text;
}

/** The verdict for one device. Takes ownership of `evidence` (it is sorted in place and returned). */
export function combineEvidence(knowledgeBase: KnowledgeBase, evidence: Evidence[], observedMacs: readonly string[]): Identification {
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
    conflicts.push(`${other.vendor} also indicated (score ${round(other.total)}) by ${other.ruleIds.join(', ')}`);
  }

  const labels = chooseLabels(knowledgeBase, evidence, vendor, observedMacs);
  const firmware: FirmwareVersion | null = labels.firmware ? parseFirmware(labels.firmware) : null;
  if (labels.serials.length > 1) conflicts.push(`serial numbers differ: ${labels.serials.join(' vs ')}`);
  const brand = chooseBrand(knowledgeBase, evidence, vendor, conflicts);

  if (!vendor && brand) {
    const info = knowledgeBase.brandAliases.get(nameKey(brand));
    if (info?.maker) conflicts.push(`unconfirmed: brand ${brand} is sold with ${info.maker} hardware (${info.relation}), but no firmware, protocol or OUI evidence confirms the maker`);
  }

  const vendorInfo = vendor ? knowledgeBase.vendors.get(vendor) : undefined;
  const covered = vendorInfo?.covered === true;
  let coveredReason: string | null = null;
  if (covered && top) coveredReason = coveredReasonOf(vendor!, vendorInfo.coveredReason, top.channels);
  const deviceClass = chooseClass(evidence);
  evidence.sort((a, b) => b.confidence - a.confidence || byCodeUnits(a.ruleId, b.ruleId));
  return {
    vendor,
    brand,
    model: labels.model,
    firmware,
    serial: labels.serial,
    mac: labels.mac,
    deviceClass,
    covered,
    coveredReason,
    confidence: round(adjusted),
    evidence,
    conflicts,
    advisories: findAdvisories(knowledgeBase.advisories, vendor, labels.model, firmware),
  };
}
