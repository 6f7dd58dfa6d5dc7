// The UDP session engine of every datagram channel (SADP, DHIP, WS-Discovery, SSDP, mDNS). A channel hands it
// probe datagrams and reads replies; the engine owns everything in between:
//   - the sockets: per selected interface one bound to that interface's address, sending to the multicast group
//     (so a multi-homed host reaches every segment, and we know which one answered); optionally a listener on
//     the well-known port joined to the group (devices that answer to the group); and the unicast pool that
//     sweeps every host address of the scope's CIDR ranges (cameras behind a router);
//   - which datagrams are replies (accept.ts), the reply queue and its bound;
//   - the listen deadline (listenDeadline below), abort, and closing every socket however the session ends;
//   - follow-ups: `followUp` sends more datagrams while the session listens (mDNS asks what the answers leave open);
//   - passive sessions (`passive`, for `camaudit listen`): only the well-known port, joined to the group on each
//     interface, for a fixed time; no sender socket, no unicast pool, no probe and no follow-up is ever sent.
// Parsing is the channel's job; this file knows nothing of any protocol.
//
// Timing: the multicast rounds and the unicast sweep run side by side, each through the shared limiter. The listen
// window (config.listenWindowMs) runs from the first multicast send, so a unicast sweep shorter than the window
// costs no time; after the last unicast send only a short grace (config.unicastGraceMs) is added, since a device
// answers a unicast probe at once. A scan's length is thus set by the window or by the rate limit, whichever is
// longer, never by the two added up.
//
// Usage:
//   for await (const reply of udpExchange(scope, context, { group, port, probes: [bytes] })) {
//     const result = parseSadpReply(reply.data);   // reply.from, reply.interfaceName, reply.transport
//   }
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkScope, cidrContains } from '../../net/cidr.js';
import type { LocalInterface, ProbeContext, ProbeScope } from '../types.js';
import { createDatagramAcceptor } from './accept.js';
import { ownLanAddresses } from './interfaces.js';
import { openUnicastPool, sweepUnicast, type UnicastPool } from './pool.js';
import { UDP_LIMITS } from '../../config.js';


/** Where a follow-up to a sender goes: the group on the interface it was heard on, or the sender by unicast. */
export type UdpRoute = { kind: 'group'; interfaceName: string } | { kind: 'unicast'; host: string };

export interface UdpReply {
  data: Buffer;
  from: { address: string; port: number };
  /** The local interface the reply arrived on: the sending socket's, or the one whose subnet holds the sender. */
  interfaceName?: string;
  transport: 'multicast' | 'unicast';
}

/** The route back to a reply's sender, or undefined for a multicast reply from outside every interface's subnet. */
export function routeOf(reply: UdpReply): UdpRoute | undefined {
  if (reply.transport === 'unicast') return { kind: 'unicast', host: reply.from.address };
  return reply.interfaceName === undefined ? undefined : { kind: 'group', interfaceName: reply.interfaceName };
}

export interface UdpSession {
  /** The replies, until the listen deadline or abort. Iterating opens the sockets; ending it closes them. */
  replies: AsyncGenerator<UdpReply>;
  /**
   * Sends `data` on `route` while the session listens, through the limiter; dropped once the session has ended.
   * Follow-ups never extend the listen window past the deadline set when the probes were sent.
   */
  followUp(route: UdpRoute, data: Buffer): void;
}

export type UdpContext = Pick<ProbeContext, 'config' | 'log' | 'limiter' | 'signal'> & Partial<Pick<ProbeContext, 'reject' | 'scope'>>;

export interface UdpExchangeOptions {
  /** Multicast group the probes go to on each interface. */
  group: string;
  /** The channel, for refusals in the scan's record. */
  channel?: string;
  /** Destination port for multicast and unicast probes (and the group listener's port). */
  port: number;
  /** Datagrams sent to each destination, in order, every round. */
  probes: readonly Buffer[];
  /** Also bind `port` (reuseAddr) joined to `group` on every interface, for devices that answer to the group. */
  listenOnGroupPort?: boolean;
  /** Rounds of multicast probes. */
  sendCount?: number;
  /** Rounds of unicast probes to each range address (a host that answered is skipped in later rounds). */
  unicastSendCount?: number;
  sendGapMs?: number;
  maxDatagramBytes?: number;
  multicastTtl?: number;
  /**
   * Listen only, for `durationMs`: the well-known port is bound (reuseAddr) and joined to `group` on every interface
   * (unless `joinGroup` is false: a broadcast port such as DHCP's 67), `probes` must be empty, and nothing is sent,
   * not even a follow-up. The only packets the session causes are the kernel's IGMP membership reports.
   */
  passive?: { durationMs: number; joinGroup?: boolean };
}

function interfaceFor(address: string, interfaces: readonly LocalInterface[]): string | undefined {
  return interfaces.find((local) => cidrContains(`${local.address}/${local.prefixLength}`, address))?.name;
}

function bindSocket(socket: Socket, options: { address?: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    socket.once('error', onError);
    socket.bind({ ...options, exclusive: false }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

/**
 * Creates and binds one udp4 socket of a session, registered in `sockets` so the session closes it whatever
 * happens. A socket that cannot bind (address gone, port taken without reuse) is logged and skipped: the other
 * interfaces and channels go on. After bind, errors (ICMP unreachable on some kernels, a closed interface) are
 * logged, not fatal.
 */
async function openUdpSocket(
  sockets: Socket[],
  log: Logger,
  label: Record<string, string | number>,
  bindTo: { address?: string; port: number },
  onMessage: (data: Buffer, remote: RemoteInfo) => void,
  reuseAddr = false,
): Promise<Socket | undefined> {
  const socket = createSocket({ type: 'udp4', reuseAddr });
  sockets.push(socket);
  socket.on('message', onMessage);
  try {
    await bindSocket(socket, bindTo);
  } catch (error) {
    log.warn({ err: error, ...label }, 'could not bind discovery socket; continuing without it');
    return undefined;
  }
  socket.on('error', (error) => log.debug({ err: error, ...label }, 'discovery socket error'));
  return socket;
}

/** When the sending times are known: the moment a session stops listening (same clock as `performance.now()`). */
export interface SendTimes {
  /** First multicast send; undefined when nothing went out by multicast. */
  multicastStartedAtMs: number | undefined;
  /** Last send of any kind (multicast round or unicast probe). */
  lastSendAtMs: number;
}

/**
 * The end of listening: the whole listen window after the first multicast send, and at least the unicast grace
 * (capped by the window) after the last send of any kind.
 */
export function listenDeadline(times: SendTimes, config: Pick<ProbeContext['config'], 'listenWindowMs' | 'unicastGraceMs'>): number {
  const graceMs = Math.min(config.unicastGraceMs, config.listenWindowMs);
  const afterLastSend = times.lastSendAtMs + graceMs;
  return times.multicastStartedAtMs === undefined ? afterLastSend : Math.max(times.multicastStartedAtMs + config.listenWindowMs, afterLastSend);
}

/**
 * After the last unicast send: let what libuv still queues (behind probes waiting on ARP) leave, within
 * UDP_LIMITS.neighbourResolutionBoundMs, and count the grace from when the last datagram really left.
 */
async function drainUnicast(pool: UnicastPool | undefined, times: SendTimes, signal: AbortSignal, log: Logger): Promise<void> {
  if (pool === undefined) return;
  const stillQueued = await pool.drain(UDP_LIMITS.neighbourResolutionBoundMs, signal);
  if (stillQueued > 0) log.warn({ stillQueued, boundMs: UDP_LIMITS.neighbourResolutionBoundMs }, 'unicast probes still queued behind unresolved addresses; they are dropped');
  times.lastSendAtMs = Math.max(times.lastSendAtMs, pool.lastSentAtMs() ?? 0);
}

/**
 * One UDP session: sends `options.probes` by multicast on each of `scope.interfaces` and by unicast to each host
 * of `scope.cidrs`, and yields the replies (each accepted by accept.ts) until the listen deadline (`listenDeadline`)
 * or abort. Every unicast send first takes a token from `context.limiter` for that host; multicast sends take one
 * for the group. `followUp` queues more datagrams while the session listens, under the same limiter: a channel
 * whose questions depend on the answers (mDNS) asks them there. Sockets are closed when the iteration of
 * `replies` ends, however it ends.
 */
export function openUdpSession(scope: ProbeScope, context: UdpContext, options: UdpExchangeOptions): UdpSession {
  const { config, limiter, signal } = context;
  const log = context.log.child({ module: 'udp' });
  const sendCount = options.sendCount ?? UDP_LIMITS.multicastSendCount;
  const unicastSendCount = options.unicastSendCount ?? UDP_LIMITS.unicastSendCount;
  const sendGapMs = options.sendGapMs ?? UDP_LIMITS.sendGapMs;
  const ownAddresses = ownLanAddresses();
  const acceptor = createDatagramAcceptor({
    maxDatagramBytes: options.maxDatagramBytes ?? UDP_LIMITS.maxDatagramBytes,
    maxResponders: UDP_LIMITS.maxRespondersPerSession,
    maxBytesPerResponder: UDP_LIMITS.maxBytesPerResponder,
    maxBytesTotal: UDP_LIMITS.maxBytesPerSession,
    ownAddresses,
    ...(context.scope !== undefined ? { scope: context.scope } : {}),
  });
  /** Datagrams dropped on a full queue: one warning when it starts, one count when the session ends. */
  let droppedOnFullQueue = 0;

  const queue: UdpReply[] = [];
  let finished = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const finish = (): void => {
    finished = true;
    notify();
  };
  const sockets: Socket[] = [];
  /** The sockets the probe rounds go out on, one per interface address; followUp picks one per interface name. */
  const multicastRounds: Socket[] = [];
  const multicastSockets = new Map<string, Socket>();
  let unicastPool: UnicastPool | undefined;
  const times: SendTimes = { multicastStartedAtMs: undefined, lastSendAtMs: performance.now() };
  const sent = (multicast: boolean): void => {
    const atMs = performance.now();
    if (multicast) times.multicastStartedAtMs ??= atMs;
    times.lastSendAtMs = atMs;
  };

  const receive = (transport: UdpReply['transport'], fixedInterface: string | undefined) => (data: Buffer, remote: RemoteInfo) => {
    if (finished) return;
    const datagram = { from: { address: remote.address, port: remote.port }, bytes: data.length, transport, ...(fixedInterface !== undefined ? { interfaceName: fixedInterface } : {}) };
    const refusal = acceptor.refuse(datagram);
    if (refusal !== undefined) {
      // Recorded refusals go to the scan's rejection log, which lists each distinct one once and counts the rest.
      if (refusal.record) context.reject?.({ channel: options.channel ?? `udp/${options.port}`, ip: remote.address, port: remote.port, reason: refusal.reason });
      else log.debug({ ip: remote.address, reason: refusal.reason }, 'datagram dropped');
      return;
    }
    if (queue.length >= UDP_LIMITS.maxQueuedReplies) {
      if (droppedOnFullQueue === 0) log.warn({ ip: remote.address, queued: queue.length }, 'reply queue full; datagrams dropped until it drains (counted, not logged one by one)');
      droppedOnFullQueue += 1;
      return;
    }
    acceptor.accepted(datagram);
    const reply: UdpReply = { data, from: datagram.from, transport };
    const interfaceName = fixedInterface ?? interfaceFor(remote.address, scope.interfaces);
    if (interfaceName !== undefined) reply.interfaceName = interfaceName;
    queue.push(reply);
    notify();
  };

  const send = (socket: Socket, destination: string, probe: Buffer): void => {
    socket.send(probe, options.port, destination, (error) => {
      if (error) log.debug({ err: error, destination }, 'probe send failed');
    });
  };

  const followUp = (route: UdpRoute, data: Buffer): void => {
    if (finished || options.passive !== undefined) return;
    const destination = route.kind === 'unicast' ? route.host : options.group;
    limiter
      .take(destination, signal)
      .then(async () => {
        if (finished) return;
        if (route.kind === 'group') {
          const socket = multicastSockets.get(route.interfaceName);
          if (socket === undefined) return;
          send(socket, options.group, data);
          sent(true);
          return;
        }
        if (unicastPool === undefined) return;
        const room = unicastPool.ready(signal);
        if (room !== undefined) await room;
        if (finished) return;
        unicastPool.send(data, options.port, route.host);
        sent(false);
      })
      .catch(() => log.trace({ destination }, 'follow-up not sent: the session ended'));
  };

  const openSocket = (
    label: Record<string, string | number>,
    bindTo: { address?: string; port: number },
    onMessage: (data: Buffer, remote: RemoteInfo) => void,
    reuseAddr = false,
  ): Promise<Socket | undefined> => openUdpSocket(sockets, log, label, bindTo, onMessage, reuseAddr);

  /** The one socket of a passive session; false when its port could not be had (logged by openUdpSocket). */
  const openPassive = async (): Promise<boolean> => {
    const listener = await openSocket({ port: options.port, group: options.group, passive: 'yes' }, { port: options.port }, receive('multicast', undefined), true);
    if (listener === undefined) return false;
    if (options.passive?.joinGroup === false) return true;
    for (const local of scope.interfaces) {
      try {
        listener.addMembership(options.group, local.address);
      } catch (error) {
        log.warn({ err: error, interface: local.name, group: options.group }, 'could not join group on interface');
      }
    }
    return true;
  };

  const openSockets = async (): Promise<void> => {
    for (const local of scope.interfaces) {
      const socket = await openSocket({ interface: local.name, localAddress: local.address }, { address: local.address, port: 0 }, receive('multicast', local.name));
      if (socket === undefined) continue;
      try {
        socket.setMulticastInterface(local.address);
        socket.setMulticastTTL(options.multicastTtl ?? UDP_LIMITS.multicastTtl);
        // Our own probe must not come back to our own listener as if a device had sent it.
        socket.setMulticastLoopback(false);
        if (!multicastSockets.has(local.name)) multicastSockets.set(local.name, socket);
        multicastRounds.push(socket);
      } catch (error) {
        log.warn({ err: error, interface: local.name }, 'multicast setup failed on interface; skipping it');
      }
    }
    if (options.listenOnGroupPort === true && scope.interfaces.length > 0) {
      const listener = await openSocket({ port: options.port, group: options.group }, { port: options.port }, receive('multicast', undefined), true);
      for (const local of listener === undefined ? [] : scope.interfaces) {
        try {
          listener?.addMembership(options.group, local.address);
        } catch (error) {
          log.warn({ err: error, interface: local.name, group: options.group }, 'could not join group on interface');
        }
      }
    }
    if (scope.cidrs.length > 0) unicastPool = await openUnicastPool(log, (index) => openSocket({ unicast: scope.cidrs.length, socket: index }, { port: 0 }, receive('unicast', undefined)));
  };
  // Multicast rounds are a few datagrams; they must not wait for a sweep of thousands of addresses to finish.
  const sendMulticast = async (): Promise<void> => {
    const rounds = multicastRounds.length > 0 ? sendCount : 0;
    for (let round = 0; round < rounds && !finished; round++) {
      for (const socket of multicastRounds) {
        for (const probe of options.probes) {
          await limiter.take(options.group, signal);
          if (finished) return;
          send(socket, options.group, probe);
          sent(true);
        }
      }
      if (round + 1 < rounds) await sleep(sendGapMs, undefined, { signal });
    }
  };
  const sendUnicast = async (): Promise<void> => {
    // With host discovery the sweep waits for the live addresses; multicast rounds and the window go on meanwhile.
    const hosts = unicastPool !== undefined && scope.unicastTargets ? await scope.unicastTargets() : undefined;
    if (hosts !== undefined) times.lastSendAtMs = Math.max(times.lastSendAtMs, performance.now());
    return sweepUnicast(scope.cidrs, context, unicastPool, {
      ...(hosts !== undefined ? { hosts } : {}),
      probes: options.probes,
      port: options.port,
      rounds: unicastSendCount,
      gapMs: sendGapMs,
      ownAddresses,
      answered: (host) => acceptor.answered(host),
      isFinished: () => finished,
      onSent: () => sent(false),
    });
  };

  async function* replies(): AsyncGenerator<UdpReply> {
    // Refuse a bad or oversized scope before any socket opens (throws CAMAUDIT_ERR_BAD_CIDR / _SCOPE_TOO_LARGE).
    checkScope(scope.cidrs, config.maxScopeAddresses);
    let listenTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => finish();
    try {
      if (options.passive !== undefined) {
        if (options.probes.length > 0) throw new Error('a passive UDP session sends no probes');
        if (!(await openPassive())) finished = true;
        else listenTimer = setTimeout(finish, options.passive.durationMs);
      } else await openSockets();
      if (options.passive === undefined && multicastRounds.length === 0 && unicastPool === undefined) {
        // Nothing could be sent, so there is nothing to wait for; the finally below still closes what was opened.
        log.debug('no interface and no range to probe');
        finished = true;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) finish();
      const started = performance.now();
      times.lastSendAtMs = started;
      if (!finished && options.passive === undefined) {
        void Promise.all([sendMulticast(), sendUnicast()])
          .then(() => drainUnicast(unicastPool, times, signal, log))
          .then(() => {
            const remainingMs = Math.max(0, listenDeadline(times, config) - performance.now());
            log.debug({ sentForMs: Math.round(performance.now() - started), listenWindowMs: config.listenWindowMs, remainingMs: Math.round(remainingMs) }, 'probes sent; listening');
            if (!finished) listenTimer = setTimeout(finish, remainingMs);
          })
          .catch((error: unknown) => {
            if (!signal.aborted && !finished) log.warn({ err: error }, 'probe sending stopped');
            finish();
          });
      }
      for (;;) {
        while (queue.length > 0) yield queue.shift() as UdpReply;
        if (finished) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      finished = true;
      if (droppedOnFullQueue > 0) log.warn({ dropped: droppedOnFullQueue, channel: options.channel }, 'datagrams dropped on a full reply queue in this session');
      if (listenTimer !== undefined) clearTimeout(listenTimer);
      signal.removeEventListener('abort', onAbort);
      for (const socket of sockets) {
        try {
          socket.close();
        } catch {
          // Already closed (a bind failure closes it): nothing left to release.
          log.trace('socket already closed');
        }
      }
    }
  }

  return { replies: replies(), followUp };
}

/** A session without follow-ups: its replies. */
export function udpExchange(scope: ProbeScope, context: UdpContext, options: UdpExchangeOptions): AsyncGenerator<UdpReply> {
  return openUdpSession(scope, context, options).replies;
}
