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
  /** This host's own addresses; defaults to the LAN addresses it has now. */
  ownAddresses?: ReadonlySet<string>;
  /** The scan's scope: a reply from outside it is refused, and recorded, before any channel sees it. */
  scope?: ScanScope;
}

export function createDatagramAcceptor(options: AcceptOptions): DatagramAcceptor {
  const ownAddresses = options.ownAddresses ?? ownLanAddresses();
  const answered = new Set<string>();
  return {
    refuse(datagram) {
      // The group listener hears the probes we sent ourselves; they are not replies.
      if (ownAddresses.has(datagram.from.address)) return { reason: 'sent by this host', record: false };
      if (options.scope !== undefined) {
        // What a reply announces is followed only if the replying host itself is in scope; one outside is not.
        const decision = checkInScope(options.scope, datagram.from.address, datagram.interfaceName);
        if (!decision.inScope) return { reason: `reply refused: ${decision.reason}`, record: true };
      }
      if (datagram.bytes > options.maxDatagramBytes) return { reason: `datagram of ${datagram.bytes} bytes, over the ${options.maxDatagramBytes}-byte bound`, record: false };
      return undefined;
    },
    accepted(datagram) {
      answered.add(datagram.from.address);
    },
    answered: (host) => answered.has(host),
  };
}
