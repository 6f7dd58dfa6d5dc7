// Which datagrams a UDP session takes as replies. This is the one place where that is decided: every channel's
// sockets are the session's (udp.ts), and each datagram they receive passes `refuse` before a channel sees it.
// A rule about replies (which senders are believable, which hosts count as alive) is added here, once, rather than
// in each channel.
import { checkInScope, type ScanScope } from '../../net/scope.js';
import { ownLanAddresses } from './interfaces.js';

export interface IncomingDatagram {
  from: { address: string; port: number };
  bytes: number;
  transport: 'multicast' | 'unicast';
  /** The interface the datagram came in on, when the socket says (one socket per interface). */
  interfaceName?: string;
}

/** Why a datagram is not a reply; `record` when the scan's record must list it (a refused reply, not noise). */
export interface Refusal {
  reason: string;
  record: boolean;
}

export interface DatagramAcceptor {
  /** Why `datagram` is not a reply to hand on, or undefined to accept it. */
  refuse(datagram: IncomingDatagram): Refusal | undefined;
  /** Called for each datagram accepted (and queued): the sender is a live host for the rest of the session. */
  accepted(datagram: IncomingDatagram): void;
  /** True once `host` sent an accepted datagram in this session. */
  answered(host: string): boolean;
}

export interface AcceptOptions {
  maxDatagramBytes: number;
  /** Distinct senders accepted in the session; a new one beyond this is refused. */
  maxResponders?: number;
  /** Bytes accepted from one sender in the session. */
  maxBytesPerResponder?: number;
  /** Bytes accepted in the whole session. */
  maxBytesTotal?: number;
  /** This host's own addresses; defaults to the LAN addresses it has now. */
  ownAddresses?: ReadonlySet<string>;
  /** The scan's scope: a reply from outside it is refused, and recorded, before any channel sees it. */
  scope?: ScanScope;
}

export function createDatagramAcceptor(options: AcceptOptions): DatagramAcceptor {
  const ownAddresses = options.ownAddresses ?? ownLanAddresses();
  const answered = new Set<string>();
  const bytesOf = new Map<string, number>();
  let bytesTotal = 0;
  const maxResponders = options.maxResponders ?? Number.POSITIVE_INFINITY;
  const maxBytesPerResponder = options.maxBytesPerResponder ?? Number.POSITIVE_INFINITY;
  const maxBytesTotal = options.maxBytesTotal ?? Number.POSITIVE_INFINITY;
  return {
    refuse(datagram) {
      // The group listener hears the probes we sent ourselves; they are not replies.
      if (ownAddresses.has(datagram.from.address)) return { reason: 'sent by this host', record: false };
      if (options.scope !== undefined) {
        // What a reply announces is followed only if the replying host itself is in scope; one outside is not.
        const decision = checkInScope(options.scope, datagram.from.address, datagram.interfaceName);
        // The sender is the entry's ip; the reason stays the same for every sender, so a storm is one entry.
        if (!decision.inScope) return { reason: `reply from outside ${options.scope.description}: refused`, record: true };
      }
      if (datagram.bytes > options.maxDatagramBytes) return { reason: `datagram of ${datagram.bytes} bytes, over the ${options.maxDatagramBytes}-byte bound`, record: false };
      const sender = datagram.from.address;
      const known = bytesOf.get(sender);
      if (known === undefined && bytesOf.size >= maxResponders) return { reason: `more than ${maxResponders} responders in one session; the rest ignored`, record: true };
      if ((known ?? 0) + datagram.bytes > maxBytesPerResponder) return { reason: `more than ${maxBytesPerResponder} bytes from one responder; the rest ignored`, record: true };
      if (bytesTotal + datagram.bytes > maxBytesTotal) return { reason: `more than ${maxBytesTotal} bytes of replies in one session; the rest ignored`, record: true };
      return undefined;
    },
    accepted(datagram) {
      answered.add(datagram.from.address);
      bytesOf.set(datagram.from.address, (bytesOf.get(datagram.from.address) ?? 0) + datagram.bytes);
      bytesTotal += datagram.bytes;
    },
    answered: (host) => answered.has(host),
  };
}
