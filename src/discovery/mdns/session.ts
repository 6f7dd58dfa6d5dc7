// The sockets of one mDNS scan. udp.ts sends a fixed set of probes; DNS-SD needs follow-up questions
// decided by what came back (the types `_services._dns-sd._udp` listed, SRV/TXT of an instance whose
// PTR came alone, the address of a host), so this channel runs its own small session:
//   - per interface, a socket bound to the interface's address, port 0: it sends the queries to the group
//     with the QU bit, and responders that honour QU (or treat a non-5353 source port as a legacy
//     one-shot query, RFC 6762 §6.7) answer to it directly;
//   - one listener on 5353 (reuseAddr) joined to 224.0.0.251 on every interface, because many responders
//     answer to the group whatever the query asked; a packet is credited to the interface whose subnet
//     holds its sender, since Linux delivers group traffic to every socket bound to the port;
//   - with CIDR ranges, unicast queries to port 5353 of each address (RFC 6762 §5.5), through the limiter.
// Every record heard is kept per sender; follow-ups go out during the listen window and never extend it.
import type { RemoteInfo, Socket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalInterface, ProbeContext, ProbeScope } from '../types.js';
import { checkScope, cidrContains } from '../../net/cidr.js';
import { DEFAULT_SEND_COUNT, DEFAULT_SEND_GAP_MS, DEFAULT_UNICAST_SEND_COUNT, drainUnicast, listenDeadline, openUdpSocket, openUnicastPool, sweepUnicast, type SendTimes } from '../engine/udp.js';
import type { UnicastPool } from '../engine/pool.js';
import { collectMdnsServices, enumeratedServiceTypes, parseMdnsMessage, type MdnsRecord } from './parse.js';
import { buildBrowseQuery, buildMdnsQuery, type MdnsQuestion } from './probe.js';

/** RFC 6762 §11: mDNS packets go out with IP TTL 255 (receivers may check it); they never leave the link anyway. */
const MDNS_MULTICAST_TTL = 255;
/** Records kept per sender: a busy host lists a few dozen; the bound caps memory against a flood. */
const MAX_RECORDS_PER_SENDER = 4096;
/** Follow-up questions per route in one scan: more is not a LAN of cameras. */
const MAX_FOLLOW_UPS_PER_ROUTE = 512;
/** Questions per follow-up message, so a message stays well under a 1500-byte MTU. */
const QUESTIONS_PER_MESSAGE = 8;

export type MdnsContext = Pick<ProbeContext, 'config' | 'log' | 'limiter' | 'signal'> & Partial<Pick<ProbeContext, 'reject'>>;

export interface MdnsSessionOptions {
  port: number;
  group: string;
  browseTypes: readonly string[];
  sendCount?: number;
  sendGapMs?: number;
}

/** Where a follow-up question goes: the group on one interface (its socket), or one host by unicast (the pool). */
interface Route {
  key: string;
  socket: Socket | 'unicast';
  destination: string;
  asked: Set<string>;
  pending: MdnsQuestion[];
  flushScheduled: boolean;
}

export interface MdnsSender {
  address: string;
  interfaceName?: string;
  transport: 'multicast' | 'unicast';
  records: MdnsRecord[];
}

/** Run one scan's queries and listen window; resolves with every sender heard and its records. */
export async function runMdnsSession(scope: ProbeScope, context: MdnsContext, options: MdnsSessionOptions): Promise<MdnsSender[]> {
  const { config, limiter, signal } = context;
  const log = context.log.child({ channel: 'mdns' });
  const senders = new Map<string, MdnsSender>();
  const sockets: Socket[] = [];
  const routes = new Map<string, Route>();
  // Refuse a bad or oversized scope before any socket opens (throws CAMAUDIT_ERR_BAD_CIDR / _SCOPE_TOO_LARGE).
  checkScope(scope.cidrs, config.maxScopeAddresses);
  if (scope.interfaces.length === 0 && scope.cidrs.length === 0) return [];
  let finished = signal.aborted;

  const interfaceOf = (address: string): LocalInterface | undefined =>
    scope.interfaces.find((local) => cidrContains(`${local.address}/${local.prefixLength}`, address));

  // Sending times, for the end of the listen window (udp.ts listenDeadline: the same rule as the other UDP channels).
  const times: SendTimes = { multicastStartedAtMs: undefined, lastSendAtMs: performance.now() };
  const sent = (multicast: boolean): void => {
    const atMs = performance.now();
    if (multicast) times.multicastStartedAtMs ??= atMs;
    times.lastSendAtMs = atMs;
  };

  const send = (route: Route, message: Buffer, questionNames: readonly string[]): Promise<void> => {
    const unicast = route.socket === 'unicast';
    const onSent = (error: Error | null): void => {
      if (error) log.debug({ err: error, destination: route.destination, questions: questionNames }, 'mdns query send failed');
    };
    return limiter
      .take(unicast ? route.destination : options.group, signal)
      .then(async () => {
        if (finished) return;
        if (route.socket === 'unicast') {
          if (unicastPool === undefined) return;
          await unicastPool.ready(signal);
          if (finished) return;
          unicastPool.send(message, options.port, route.destination);
        } else {
          route.socket.send(message, options.port, route.destination, onSent);
        }
        sent(!unicast);
      })
      .catch(() => log.trace({ destination: route.destination }, 'mdns query not sent: scan aborted'));
  };

  const flush = (route: Route): void => {
    route.flushScheduled = false;
    while (route.pending.length > 0) {
      const batch = route.pending.splice(0, QUESTIONS_PER_MESSAGE);
      void send(route, buildMdnsQuery(batch, { unicastResponse: true }), batch.map((question) => question.name));
    }
  };

  const ask = (route: Route, question: MdnsQuestion): void => {
    const key = `${question.type} ${question.name.toLowerCase()}`;
    if (finished || route.asked.has(key) || route.asked.size >= MAX_FOLLOW_UPS_PER_ROUTE) return;
    route.asked.add(key);
    route.pending.push(question);
    if (!route.flushScheduled) {
      route.flushScheduled = true;
      // Gather what one packet (or a burst of them) teaches into as few messages as possible.
      setImmediate(() => flush(route));
    }
  };

  /** Ask for what the records heard so far leave open. */
  const followUp = (route: Route, records: readonly MdnsRecord[]): void => {
    for (const type of enumeratedServiceTypes(records)) ask(route, { name: type, type: 'PTR' });
    for (const service of collectMdnsServices(records)) {
      if (service.host === undefined) ask(route, { name: service.fullName, type: 'SRV' });
      if (service.txt === undefined) ask(route, { name: service.fullName, type: 'TXT' });
      if (service.host !== undefined && service.addresses.length === 0) ask(route, { name: service.host, type: 'A' });
    }
  };

  let unicastPool: UnicastPool | undefined;
  /** Follow-ups to a host found by unicast go back to it by unicast; routes are made only for hosts that answered. */
  const unicastRoute = (host: string): Route | undefined => {
    if (unicastPool === undefined) return undefined;
    const key = `unicast:${host}`;
    let route = routes.get(key);
    if (route === undefined) {
      route = { key, socket: 'unicast', destination: host, asked: new Set(), pending: [], flushScheduled: false };
      routes.set(key, route);
    }
    return route;
  };

  const receive =
    (transport: MdnsSender['transport'], fixed: LocalInterface | undefined) =>
    (data: Buffer, remote: RemoteInfo): void => {
      if (finished) return;
      const result = parseMdnsMessage(data);
      if (!result.ok) {
        log.debug({ from: remote.address, reason: result.reason }, 'mdns packet dropped');
        context.reject?.({ channel: 'mdns', ip: remote.address, port: remote.port, reason: `mDNS packet refused: ${result.reason}` });
        return;
      }
      // Other hosts' queries reach the group listener too; only answers carry what a device is.
      if (!result.value.response || result.value.records.length === 0) return;
      const local = fixed ?? interfaceOf(remote.address);
      let sender = senders.get(remote.address);
      if (sender === undefined) {
        sender = { address: remote.address, transport, records: [] };
        if (local !== undefined) sender.interfaceName = local.name;
        senders.set(remote.address, sender);
      }
      const room = MAX_RECORDS_PER_SENDER - sender.records.length;
      if (room < result.value.records.length) {
        log.debug({ from: remote.address, kept: MAX_RECORDS_PER_SENDER }, 'mdns sender exceeds the record bound');
        context.reject?.({ channel: 'mdns', ip: remote.address, port: remote.port, reason: `more than ${MAX_RECORDS_PER_SENDER} mDNS records from one sender; the rest ignored` });
      }
      // A sender already at its bound teaches nothing more: no follow-up work per flooded packet.
      if (room <= 0) return;
      sender.records.push(...result.value.records.slice(0, room));
      const route = transport === 'unicast' ? unicastRoute(remote.address) : local === undefined ? undefined : routes.get(`interface:${local.name}`);
      if (route !== undefined) followUp(route, sender.records);
    };

  const openSocket = (label: Record<string, string | number>, bindTo: { address?: string; port: number }, reuseAddr: boolean, onMessage: (data: Buffer, remote: RemoteInfo) => void): Promise<Socket | undefined> =>
    openUdpSocket(sockets, log, label, bindTo, onMessage, reuseAddr);

  try {
    for (const local of scope.interfaces) {
      const socket = await openSocket({ interface: local.name }, { address: local.address, port: 0 }, false, receive('multicast', local));
      if (socket === undefined) continue;
      try {
        socket.setMulticastInterface(local.address);
        socket.setMulticastTTL(MDNS_MULTICAST_TTL);
        socket.setMulticastLoopback(false);
        routes.set(`interface:${local.name}`, { key: `interface:${local.name}`, socket, destination: options.group, asked: new Set(), pending: [], flushScheduled: false });
      } catch (error) {
        log.warn({ err: error, interface: local.name }, 'mdns multicast setup failed on interface; skipping it');
      }
    }
    if (scope.interfaces.length > 0) {
      const listener = await openSocket({ port: options.port, group: options.group }, { port: options.port }, true, receive('multicast', undefined));
      for (const local of listener === undefined ? [] : scope.interfaces) {
        try {
          listener?.addMembership(options.group, local.address);
        } catch (error) {
          log.warn({ err: error, interface: local.name }, 'could not join the mdns group on interface');
        }
      }
    }
    if (scope.cidrs.length > 0) unicastPool = await openUnicastPool(log, (index) => openSocket({ unicast: scope.cidrs.length, socket: index }, { port: 0 }, false, receive('unicast', undefined)));
    const multicastRoutes = [...routes.values()];

    const browse = buildBrowseQuery(options.browseTypes, { unicastResponse: true });
    const sendGapMs = options.sendGapMs ?? DEFAULT_SEND_GAP_MS;
    // Multicast rounds and the unicast sweep run side by side: the window runs from the first multicast query,
    // and a sweep shorter than it costs no time (udp.ts explains the rule).
    const multicastRounds = async (): Promise<void> => {
      const rounds = multicastRoutes.length > 0 ? (options.sendCount ?? DEFAULT_SEND_COUNT) : 0;
      for (let round = 0; round < rounds && !finished; round++) {
        await Promise.all(multicastRoutes.map((route) => send(route, browse, options.browseTypes)));
        if (round + 1 < rounds) await sleep(sendGapMs, undefined, { signal });
      }
    };
    const unicastSweep = (): Promise<void> =>
      sweepUnicast(scope.cidrs, context, unicastPool, {
        probes: [browse],
        port: options.port,
        rounds: DEFAULT_UNICAST_SEND_COUNT,
        gapMs: sendGapMs,
        answered: (host) => senders.has(host),
        isFinished: () => finished,
        onSent: () => sent(false),
      });
    await Promise.all([multicastRounds(), unicastSweep()]);
    await drainUnicast(unicastPool, times, signal, log);
    const remainingMs = listenDeadline(times, config) - performance.now();
    if (remainingMs > 0) await sleep(remainingMs, undefined, { signal });
  } catch (error) {
    if (!signal.aborted) log.warn({ err: error }, 'mdns session stopped');
  } finally {
    finished = true;
    for (const socket of sockets) {
      try {
        socket.close();
      } catch {
        // A socket whose bind failed is already closed: nothing left to release.
        log.trace('mdns socket already closed');
      }
    }
  }
  return [...senders.values()];
}
