// Deduplication and flood limits for the discovery replies of one scan, shared by the SADP, DHIP and WS-Discovery
// channels. A device answers each probe once per interface and round, so a handful of identical replies is normal
// and silently folded into one observation; an address that sends hundreds of identical replies (a storm) or many
// different ones (each would become a stored observation) is refused past a bound, and the refusal recorded.
import type { ProbeContext } from '../types.js';
import { REPLY_LIMITS } from '../../config.js';


export interface ReplyGuard {
  /** True for the first copy of a reply that is within bounds; false for a repeat or a reply past a bound. */
  admit(address: string, port: number, key: string): boolean;
}

export function createReplyGuard(channel: string, label: string, context: Pick<ProbeContext, 'reject'>): ReplyGuard {
  const copies = new Map<string, number>();
  const distinctByAddress = new Map<string, number>();
  return {
    admit(address, port, key) {
      const fullKey = `${address}\0${key}`;
      const seen = copies.get(fullKey);
      if (seen !== undefined) {
        copies.set(fullKey, seen + 1);
        if (seen + 1 > REPLY_LIMITS.maxIdenticalReplies) {
          context.reject({ channel, ip: address, port, reason: `reply storm: more than ${REPLY_LIMITS.maxIdenticalReplies} identical ${label} replies from one address` });
        }
        return false;
      }
      const distinct = (distinctByAddress.get(address) ?? 0) + 1;
      if (distinct > REPLY_LIMITS.maxDistinctRepliesPerAddress) {
        context.reject({ channel, ip: address, port, reason: `more than ${REPLY_LIMITS.maxDistinctRepliesPerAddress} different ${label} replies from one address; the rest ignored` });
        return false;
      }
      distinctByAddress.set(address, distinct);
      copies.set(fullKey, 1);
      return true;
    },
  };
}
