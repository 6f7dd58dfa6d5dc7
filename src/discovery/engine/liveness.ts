// Host discovery: the first phase of a unicast sweep, which asks each address of the ranges only whether a host is
// there, so that the full probe set (five UDP discovery channels, six TCP ports) goes only to live addresses.
//   - On a directly attached subnet the kernel's neighbour resolution answers: one datagram per address makes the
//     kernel send ARP, and a present host answers within milliseconds. The neighbour table then holds a complete
//     entry (REACHABLE, STALE, DELAY or PROBE: ATF_COM in /proc/net/arp) for every live address. Absent addresses
//     are never waited for: their entries stay INCOMPLETE and are simply not listed.
//     Linux queues a datagram to an INCOMPLETE entry behind the resolution already running and solicits no more
//     (net/core/neighbour.c, __neigh_event_send); so an address whose resolution was in progress before this phase
//     (an earlier scan, any program) gets its datagram only once that resolution must be over (FAILED), when it
//     starts a fresh one. Else a camera plugged in after the old resolution's last solicitation stays unseen. Only
//     netlink tells INCOMPLETE from FAILED (`ip neigh`); without `ip`, every unresolved entry is held back.
//   - On routed ranges the router hides ARP, so each address gets a TCP connect to the most common camera port
//     (HOST_DISCOVERY_LIMITS): accepted or refused (RST) both mean a host is there; optionally also the unicast
//     discovery datagram cameras answer (given by the caller; off by default, see routedDatagram). Silence is the only answer of an absent address behind a firewall that drops, so a connect
//     is bounded by the connect timeout and many run at once (rate × timeout), never one after another.
// A reply to the datagram from any address of the ranges marks it alive too, on either kind of subnet.
import { createSocket, type Socket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { HOST_DISCOVERY_LIMITS, UDP_LIMITS } from '../../config.js';
import { checkScope, cidrContains, expandScope } from '../../net/cidr.js';
import { readResolutionsInProgress } from '../neighbour/index.js';
import { parseProcNetArp, unresolvedInProcNetArp } from '../neighbour/parse.js';
import type { LocalInterface, ProbeContext } from '../types.js';
import { ownLanAddresses } from './interfaces.js';
import { createUnicastPool, type UnicastPool } from './pool.js';
import { abortReason } from './rate-limiter.js';

/** Why an address counts as alive (the first reason seen). */
export type LivenessEvidence = 'neighbour' | 'tcp' | 'udp';

export interface HostDiscoveryStats {
  /** Addresses of the ranges (this host's own excluded). */
  addresses: number;
  /** Of those, on a directly attached subnet / routed. */
  attached: number;
  routed: number;
  /** Live addresses found, and by what. */
  alive: number;
  aliveBy: Record<LivenessEvidence, number>;
  /** Packets and connection attempts this phase sent. */
  probes: number;
  /** Of those, sent to addresses that did not show life (the cost of asking absent addresses). */
  probesToAbsent: number;
  durationMs: number;
}

export interface HostDiscoveryOptions {
  /** This host's interfaces: an address inside one of their subnets is resolved by ARP. */
  attachedSubnets: readonly LocalInterface[];
  /** The datagram sent to every address (a discovery probe cameras answer by unicast). */
  datagram: { port: number; data: Buffer };
  /** Called as addresses are done (their probes sent), at most every few hundred addresses. */
  onProgress?: (done: number, total: number) => void;
  /** The neighbour table as /proc/net/arp text; injected by tests. */
  readNeighbourTable?: () => Promise<string>;
  /** Addresses whose ARP resolution is in progress, undefined when unknown; injected by tests. */
  readResolutionsInProgress?: () => Promise<readonly string[] | undefined>;
  /** Port of the empty datagram that makes the kernel resolve an attached address; tests give one they listen on. */
  neighbourProbePort?: number;
  /** How long a neighbour resolution may run (UDP_LIMITS.neighbourResolutionBoundMs); shortened by tests. */
  neighbourResolutionBoundMs?: number;
}

export interface HostDiscoveryResult {
  /** Live addresses, in the order they were found. */
  alive: Set<string>;
  stats: HostDiscoveryStats;
}

const PROGRESS_EVERY = 64;
/** RFC 863: a host that has the service ignores what arrives; one that has not answers ICMP, or nothing. */
const DISCARD_PORT = 9;
const EMPTY = Buffer.alloc(0);

async function openPool(context: Pick<ProbeContext, 'log'>, onMessage: (from: string) => void): Promise<{ pool: UnicastPool | undefined; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  for (let index = 0; index < HOST_DISCOVERY_LIMITS.poolSockets; index++) {
    const socket = createSocket({ type: 'udp4' });
    socket.on('message', (_data, remote) => onMessage(remote.address));
    socket.on('error', (error) => context.log.debug({ err: error }, 'host discovery socket error'));
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ port: 0 }, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      sockets.push(socket);
    } catch (error) {
      context.log.warn({ err: error }, 'could not bind a host discovery socket; continuing without it');
      socket.close();
    }
  }
  return { pool: createUnicastPool(sockets, context.log, (error) => context.log.debug({ err: error }, 'host discovery datagram not sent')), sockets };
}

/**
 * One TCP connect: resolves true when the host accepted or refused, false on silence or unreachability. `cancels`
 * holds the way to end each connect in flight, so that one abort listener ends them all: a listener per connect on
 * the scan's signal would cost a walk of a thousand-entry list on every add and remove.
 */
function connectShowsHost(host: string, port: number, timeoutMs: number, cancels: Set<() => void>): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let settled = false;
    const done = (alive: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cancels.delete(cancel);
      socket.destroy();
      resolve(alive);
    };
    const cancel = (): void => done(false);
    const timer = setTimeout(cancel, timeoutMs);
    cancels.add(cancel);
    socket.once('connect', () => done(true));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED'));
  });
}

/**
 * Finds the live addresses of `cidrs`. Every probe takes a token from the scan's limiter, so this phase shares the
 * scan's rate. Resolves once every address was probed, every connect settled and the neighbour table was read.
 */
export async function discoverLiveHosts(
  cidrs: readonly string[],
  context: Pick<ProbeContext, 'config' | 'log' | 'limiter' | 'signal'>,
  options: HostDiscoveryOptions,
): Promise<HostDiscoveryResult> {
  const { config, limiter, signal } = context;
  const log = context.log.child({ module: 'host-discovery' });
  const started = performance.now();
  const ownAddresses = ownLanAddresses();
  const { addresses: inScope } = checkScope(cidrs, config.maxScopeAddresses);
  const inRanges = (ip: string): boolean => cidrs.some((cidr) => cidrContains(cidr, ip));
  const attachedCidrs = options.attachedSubnets.map((local) => `${local.address}/${local.prefixLength}`);
  const isAttached = (ip: string): boolean => attachedCidrs.some((cidr) => cidrContains(cidr, ip));
  const readTable = options.readNeighbourTable ?? (() => readFile('/proc/net/arp', 'utf8'));
  const neighbourProbePort = options.neighbourProbePort ?? DISCARD_PORT;

  const alive = new Set<string>();
  const stats: HostDiscoveryStats = { addresses: 0, attached: 0, routed: 0, alive: 0, aliveBy: { neighbour: 0, tcp: 0, udp: 0 }, probes: 0, probesToAbsent: 0, durationMs: 0 };
  // Probes per address, so that the cost of absent ones can be told (a /16 is 65,536 small entries).
  const sentTo = new Map<string, number>();
  const count = (host: string): void => {
    stats.probes += 1;
    sentTo.set(host, (sentTo.get(host) ?? 0) + 1);
  };
  const markAlive = (ip: string, evidence: LivenessEvidence): void => {
    if (alive.has(ip) || ownAddresses.has(ip) || !inRanges(ip)) return;
    alive.add(ip);
    stats.aliveBy[evidence] += 1;
  };
  /** Marks complete entries alive; adds the attached addresses of the ranges without one to `unresolved`, if given. */
  const readNeighbours = async (unresolved?: Set<string>): Promise<void> => {
    try {
      const table = await readTable();
      for (const entry of parseProcNetArp(table)) if (isAttached(entry.ip)) markAlive(entry.ip, 'neighbour');
      if (unresolved !== undefined) for (const ip of unresolvedInProcNetArp(table)) if (isAttached(ip) && inRanges(ip)) unresolved.add(ip);
    } catch (error) {
      log.warn({ err: error }, 'could not read the neighbour table; attached addresses count as alive only if they answered');
    }
  };

  // Read before anything is sent: every resolution running now was started by someone else, and is over by then.
  const pendingBefore = new Set<string>();
  await readNeighbours(pendingBefore);
  const inProgress = await (options.readResolutionsInProgress ?? readResolutionsInProgress)();
  if (inProgress !== undefined) {
    const running = new Set(inProgress);
    for (const ip of pendingBefore) if (!running.has(ip)) pendingBefore.delete(ip);
  }
  const earlierResolutionsOverAt = performance.now() + (options.neighbourResolutionBoundMs ?? UDP_LIMITS.neighbourResolutionBoundMs);
  const heldBack: string[] = [];

  const { pool, sockets } = await openPool(context, (from) => markAlive(from, 'udp'));
  const sendProbe = async (sendPool: UnicastPool, host: string, attached: boolean): Promise<void> => {
    await limiter.take(host, signal);
    const room = sendPool.ready(signal);
    if (room !== undefined) await room;
    // An attached address needs only ARP, which any datagram starts: an empty one to the discard port holds
    // the least send-buffer space while an absent neighbour's resolution fails.
    if (attached) sendPool.send(EMPTY, neighbourProbePort, host);
    else sendPool.send(options.datagram.data, options.datagram.port, host);
    count(host);
  };
  let sending = true;
  const poller = (async () => {
    while (sending && !signal.aborted) {
      await sleep(HOST_DISCOVERY_LIMITS.neighbourPollMs);
      await readNeighbours();
    }
  })();

  // TCP connects run beside the sweep, at most maxConnectsInFlight at once (enough for rate × connect timeout).
  const connects = new Set<Promise<void>>();
  let slotFreed: (() => void) | undefined;
  const cancels = new Set<() => void>();
  const cancelAll = (): void => {
    for (const cancel of [...cancels]) cancel();
  };
  signal.addEventListener('abort', cancelAll, { once: true });
  const connectsInFlight = Math.max(config.concurrency, Math.min(HOST_DISCOVERY_LIMITS.maxConnectsInFlight, Math.ceil((config.globalRatePerSecond * config.connectTimeoutMs) / 1000)));
  const startConnect = (host: string, port: number): void => {
    const attempt: Promise<void> = connectShowsHost(host, port, config.connectTimeoutMs, cancels).then((shows) => {
      if (shows) markAlive(host, 'tcp');
      connects.delete(attempt);
      const wake = slotFreed;
      slotFreed = undefined;
      wake?.();
    });
    connects.add(attempt);
  };

  // Routed addresses first: their connects may wait out the connect timeout, which the attached sweep then covers.
  const sweep = async (routedPass: boolean): Promise<void> => {
    for (const host of expandScope(cidrs, config.maxScopeAddresses)) {
      if (signal.aborted) return;
      const attached = isAttached(host);
      if (attached === routedPass || ownAddresses.has(host)) continue;
      stats.addresses += 1;
      if (attached) stats.attached += 1;
      else stats.routed += 1;
      if (pool !== undefined && (attached || HOST_DISCOVERY_LIMITS.routedDatagram)) {
        if (attached && pendingBefore.has(host)) heldBack.push(host);
        else await sendProbe(pool, host, attached);
      }
      if (!attached) {
        for (const port of HOST_DISCOVERY_LIMITS.routedTcpPorts) {
          if (alive.has(host)) break;
          // Not Promise.race over the set: each race would leave a reaction on every connect in flight (a /16
          // sweep piled up hundreds of MB of them).
          while (connects.size >= connectsInFlight) await new Promise<void>((resolve) => (slotFreed = resolve));
          await limiter.take(host, signal);
          startConnect(host, port);
          count(host);
        }
      }
      if (stats.addresses % PROGRESS_EVERY === 0) options.onProgress?.(stats.addresses, inScope);
    }
  };
  try {
    await sweep(true);
    await sweep(false);
    if (pool !== undefined && heldBack.length > 0) {
      log.debug({ addresses: heldBack.length }, 'holding back probes until earlier neighbour resolutions are over');
      const waitMs = earlierResolutionsOverAt - performance.now();
      if (waitMs > 0 && !signal.aborted) await sleep(waitMs, undefined, { signal }).catch(() => undefined);
      // One that answered the earlier resolution meanwhile is alive already and needs no probe.
      for (const host of heldBack) if (!signal.aborted && !alive.has(host)) await sendProbe(pool, host, true);
    }
    // An aborted scan has no live hosts to report: the channels waiting for them stop too.
    if (signal.aborted) throw abortReason(signal);
    // Datagrams queued behind unresolved neighbours leave once ARP gives up; present ones answered meanwhile.
    const settled = (async () => {
      if (pool !== undefined) await pool.drain(UDP_LIMITS.neighbourResolutionBoundMs, signal);
      if (!signal.aborted) await sleep(HOST_DISCOVERY_LIMITS.settleMs, undefined, { signal }).catch(() => undefined);
    })();
    await Promise.all([settled, ...connects]);
  } finally {
    signal.removeEventListener('abort', cancelAll);
    cancelAll();
    sending = false;
    await poller.catch(() => undefined);
    await readNeighbours();
    for (const socket of sockets) socket.close();
  }
  options.onProgress?.(inScope, inScope);
  stats.alive = alive.size;
  for (const [host, probes] of sentTo) if (!alive.has(host)) stats.probesToAbsent += probes;
  stats.durationMs = Math.round(performance.now() - started);
  log.info({ ...stats }, 'host discovery finished');
  return { alive, stats };
}
