// Inputs the channels refused during one scan (malformed datagrams, DOCTYPE documents, replies cut at a size or
// time bound, …): each distinct refusal is logged once at warn level and kept, with a count, for the scan's record.
// Bounded on purpose: a device that sends ten thousand broken replies is one entry with count 10000, and a LAN
// full of them fills at most `maxEntries` entries, the rest only counted.
import type { Logger } from 'pino';
import type { RejectedInput } from '../types.js';
import { REPLY_LIMITS } from '../../config.js';


export interface RejectionEntry {
  channel: string;
  ip: string;
  port?: number;
  reason: string;
  /** How many times this same refusal happened (a reply storm is one entry). */
  count: number;
  firstAt: string;
}

export interface RejectionSummary {
  /** Every refusal, listed or not. */
  total: number;
  byChannel: Record<string, number>;
  entries: RejectionEntry[];
  /** Refusals of distinct inputs beyond the listed entries. */
  unlisted: number;
}

export interface RejectionLog {
  record(input: RejectedInput): void;
  summary(): RejectionSummary;
}

// Reasons quote device bytes now and then; no control character may reach a log reader's or a page's screen.
// eslint-disable-next-line no-control-regex -- matching control characters is the point here.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function cleanReason(reason: string): string {
  const text = reason.replace(CONTROL, '\uFFFD');
  return text.length > REPLY_LIMITS.maxReasonChars ? `${text.slice(0, REPLY_LIMITS.maxReasonChars - 1)}…` : text;
}

export function createRejectionLog(log: Logger, options: { maxEntries?: number; now?: () => Date } = {}): RejectionLog {
  const maxEntries = options.maxEntries ?? REPLY_LIMITS.maxRejectionEntries;
  const now = options.now ?? (() => new Date());
  const entries = new Map<string, RejectionEntry>();
  const byChannel: Record<string, number> = {};
  let total = 0;
  let unlisted = 0;
  // Keys of refusals not listed, so that "unlisted" counts distinct inputs, bounded like the list itself.
  const unlistedKeys = new Set<string>();
  // Addresses listed per (channel, reason): a storm of one refusal from thousands of addresses becomes a few
  // entries and one for "many addresses", instead of crowding every other refusal out of the list.
  const listedPerReason = new Map<string, number>();
  return {
    record(input: RejectedInput): void {
      total += 1;
      byChannel[input.channel] = (byChannel[input.channel] ?? 0) + 1;
      const reason = cleanReason(input.reason);
      const reasonKey = `${input.channel}\0${reason}`;
      const crowded = (listedPerReason.get(reasonKey) ?? 0) >= REPLY_LIMITS.maxRejectionAddressesPerReason;
      const exact = `${input.channel}\0${input.ip}\0${input.port ?? ''}\0${reason}`;
      const key = crowded && !entries.has(exact) ? `${reasonKey}\0many` : exact;
      const known = entries.get(key);
      if (known !== undefined) {
        known.count += 1;
        return;
      }
      if (entries.size >= maxEntries) {
        if (!unlistedKeys.has(key) && unlistedKeys.size < maxEntries * 16) {
          unlistedKeys.add(key);
          unlisted += 1;
        }
        return;
      }
      const ip = key === exact ? input.ip : 'many addresses';
      const entry: RejectionEntry = { channel: input.channel, ip, reason, count: 1, firstAt: now().toISOString() };
      if (input.port !== undefined && key === exact) entry.port = input.port;
      entries.set(key, entry);
      if (key === exact) listedPerReason.set(reasonKey, (listedPerReason.get(reasonKey) ?? 0) + 1);
      log.warn({ channel: input.channel, ip, port: entry.port, reason }, 'input refused');
    },
    summary(): RejectionSummary {
      return { total, byChannel: { ...byChannel }, entries: [...entries.values()].map((entry) => ({ ...entry })), unlisted };
    },
  };
}

/** What a scan's record keeps of its refusals: counts beside the others, and the listed entries as its errors. */
export function rejectionRecord(summary: RejectionSummary): { counts: Record<string, unknown>; errors: RejectionEntry[] } {
  return {
    counts: { rejectedInputs: summary.total, rejectedByChannel: summary.byChannel, rejectedUnlisted: summary.unlisted },
    errors: summary.entries,
  };
}
