// Which datagrams a UDP session takes as replies. This is the one place where that is decided: every channel's
// sockets are the session's (udp.ts), and each datagram they receive passes `refuse` before a channel sees it.
// A rule about replies (which senders are believable, which hosts count as alive) is added here, once, rather than
// in each channel.
import { ownLanAddresses } from './interfaces.js';

export interface IncomingDatagram {
  from: { address: string; port: number };
  bytes: number;
  transport: 'multicast' | 'unicast';
}

export interface DatagramAcceptor {
  /** Why `datagram` is not a reply to hand on, or undefined to accept it. */
  refuse(datagram: IncomingDatagram): string | undefined;
  /** Called for each datagram accepted (and queued): the sender is a live host for the rest of the session. */
  accepted(datagram: IncomingDatagram): void;
  /** True once `host` sent an accepted datagram in this session. */
  answered(host: string): boolean;
}

export interface AcceptOptions {
  maxDatagramBytes: number;
  /** This host's own addresses; defaults to the LAN addresses it has now. */
  ownAddresses?: ReadonlySet<string>;
}

export function createDatagramAcceptor(options: AcceptOptions): DatagramAcceptor {
  const ownAddresses = options.ownAddresses ?? ownLanAddresses();
  const answered = new Set<string>();
  return {
    refuse(datagram) {
      // The group listener hears the probes we sent ourselves; they are not replies.
      if (ownAddresses.has(datagram.from.address)) return 'sent by this host';
      if (datagram.bytes > options.maxDatagramBytes) return `datagram of ${datagram.bytes} bytes, over the ${options.maxDatagramBytes}-byte bound`;
      return undefined;
    },
    accepted(datagram) {
      answered.add(datagram.from.address);
    },
    answered: (host) => answered.has(host),
  };
}
