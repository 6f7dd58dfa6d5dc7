// One mDNS scan over the UDP session engine (engine/udp.ts). Other channels send a fixed set of probes; DNS-SD
// needs follow-up questions decided by what came back (the types `_services._dns-sd._udp` listed, SRV/TXT of an
// instance whose PTR came alone, the address of a host), which this client asks through the session's `followUp`:
//   - per interface, the session's socket bound to the interface's address, port 0: it sends the queries to the
//     group with the QU bit, and responders that honour QU (or treat a non-5353 source port as a legacy one-shot
//     query, RFC 6762 §6.7) answer to it directly;
//   - the session's listener on 5353 (reuseAddr) joined to 224.0.0.251 on every interface, because many
//     responders answer to the group whatever the query asked; a packet is credited to the interface whose
//     subnet holds its sender, since Linux delivers group traffic to every socket bound to the port;
//   - with CIDR ranges, unicast queries to port 5353 of each address (RFC 6762 §5.5), through the limiter.
// Every record heard is kept per sender; follow-ups go out during the listen window and never extend it.
import { CamauditError } from '../../errors.js';
import type { ProbeContext, ProbeScope } from '../types.js';
import { openUdpSession, routeOf, type UdpReply, type UdpRoute } from '../engine/udp.js';
import { MdnsFollowUps } from './follow-up.js';
import { parseMdnsMessage, type MdnsRecord } from './parse.js';
import { buildBrowseQuery, buildMdnsQuery, type MdnsQuestion } from './probe.js';
import { REPLY_LIMITS } from '../../config.js';

/** RFC 6762 §11: mDNS packets go out with IP TTL 255 (receivers may check it); they never leave the link anyway. */
const MDNS_MULTICAST_TTL = 255;

export type MdnsContext = Pick<ProbeContext, 'config' | 'log' | 'limiter' | 'signal'> & Partial<Pick<ProbeContext, 'reject'>>;

export interface MdnsSessionOptions {
  port: number;
  group: string;
  browseTypes: readonly string[];
  sendCount?: number;
  sendGapMs?: number;
}

/** The follow-up questions of one route: asked once each, gathered into as few messages as possible. */
interface FollowUps {
  route: UdpRoute;
  asked: Set<string>;
  pending: MdnsQuestion[];
  flushScheduled: boolean;
}

export interface MdnsSender {
  address: string;
  interfaceName?: string;
  transport: UdpReply['transport'];
  records: MdnsRecord[];
}

/** Run one scan's queries and listen window; resolves with every sender heard and its records. */
export async function runMdnsSession(scope: ProbeScope, context: MdnsContext, options: MdnsSessionOptions): Promise<MdnsSender[]> {
  const log = context.log.child({ module: 'mdns' });
  const senders = new Map<string, MdnsSender>();
  const followUps = new Map<string, FollowUps>();
  const session = openUdpSession(scope, context, {
    channel: 'mdns',
    group: options.group,
    port: options.port,
    probes: [buildBrowseQuery(options.browseTypes, { unicastResponse: true })],
    listenOnGroupPort: true,
    multicastTtl: MDNS_MULTICAST_TTL,
    ...(options.sendCount === undefined ? {} : { sendCount: options.sendCount }),
    ...(options.sendGapMs === undefined ? {} : { sendGapMs: options.sendGapMs }),
  });

  const flush = (entry: FollowUps): void => {
    entry.flushScheduled = false;
    while (entry.pending.length > 0) session.followUp(entry.route, buildMdnsQuery(entry.pending.splice(0, REPLY_LIMITS.mdnsQuestionsPerMessage), { unicastResponse: true }));
  };

  const ask = (entry: FollowUps, question: MdnsQuestion): void => {
    const key = `${question.type} ${question.name.toLowerCase()}`;
    if (entry.asked.has(key) || entry.asked.size >= REPLY_LIMITS.mdnsMaxFollowUpsPerRoute) return;
    entry.asked.add(key);
    entry.pending.push(question);
    if (!entry.flushScheduled) {
      entry.flushScheduled = true;
      // Gather what one packet (or a burst of them) teaches into as few messages as possible.
      setImmediate(() => flush(entry));
    }
  };

  /** Per sender, what its records so far leave open, updated with each packet's records only. */
  const trackers = new Map<string, MdnsFollowUps>();
  /** Ask the sender's route for what the packet's records, with those heard before, leave open. */
  const followUp = (reply: UdpReply, records: readonly MdnsRecord[]): void => {
    const route = routeOf(reply);
    if (route === undefined) return;
    const key = route.kind === 'unicast' ? `unicast:${route.host}` : `group:${route.interfaceName}`;
    let entry = followUps.get(key);
    if (entry === undefined) {
      entry = { route, asked: new Set(), pending: [], flushScheduled: false };
      followUps.set(key, entry);
    }
    let tracker = trackers.get(reply.from.address);
    if (tracker === undefined) {
      tracker = new MdnsFollowUps();
      trackers.set(reply.from.address, tracker);
    }
    for (const question of tracker.add(records)) ask(entry, question);
  };

  const receive = (reply: UdpReply): void => {
    const { address, port } = reply.from;
    const result = parseMdnsMessage(reply.data);
    if (!result.ok) {
      log.debug({ ip: address, reason: result.reason }, 'mdns packet dropped');
      context.reject?.({ channel: 'mdns', ip: address, port, reason: `mDNS packet refused: ${result.reason}` });
      return;
    }
    // Other hosts' queries reach the group listener too; only answers carry what a device is.
    if (!result.value.response || result.value.records.length === 0) return;
    let sender = senders.get(address);
    if (sender === undefined) {
      sender = { address, transport: reply.transport, records: [] };
      if (reply.interfaceName !== undefined) sender.interfaceName = reply.interfaceName;
      senders.set(address, sender);
    }
    const room = REPLY_LIMITS.mdnsMaxRecordsPerSender - sender.records.length;
    if (room < result.value.records.length) {
      log.debug({ ip: address, kept: REPLY_LIMITS.mdnsMaxRecordsPerSender }, 'mdns sender exceeds the record bound');
      context.reject?.({ channel: 'mdns', ip: address, port, reason: `more than ${REPLY_LIMITS.mdnsMaxRecordsPerSender} mDNS records from one sender; the rest ignored` });
    }
    // A sender already at its bound teaches nothing more: no follow-up work per flooded packet.
    if (room <= 0) return;
    const added = result.value.records.slice(0, room);
    for (const record of added) sender.records.push(record);
    followUp(reply, added);
  };

  try {
    for await (const reply of session.replies) receive(reply);
  } catch (error) {
    // A bad or oversized scope is the caller's error, as with every other channel.
    if (error instanceof CamauditError) throw error;
    if (!context.signal.aborted) log.warn({ err: error }, 'mdns session stopped');
  }
  return [...senders.values()];
}
