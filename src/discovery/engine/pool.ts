// Unicast sweeps send through a small pool of UDP sockets, never letting one socket's queue grow.
// The sweep itself (sweepUnicast) lives here too: every address of the ranges, through the limiter, into the pool.
//
// Why: a datagram to an absent address on a directly attached subnet waits in the kernel's neighbour queue until
// ARP gives up (about 3 s on Linux defaults: 3 solicitations 1 s apart), and it counts against its socket's send
// buffer all that time: about 90 discovery probes fill the default 208 KiB. Once the buffer is full, sendmsg
// fails with EAGAIN and libuv queues every later send on that socket, in order. A sweep of a sparse /24 thus
// parks the probes meant for live devices (a routed camera, a device later in the range) behind seconds of
// doomed ones, and when the channel closes they are cancelled (ECANCELED), never sent. Measured in the lab: 309
// probes to a mostly empty /24 and one routed camera took 9.3 s to leave one socket; the camera's probe was last.
//
// So: each send goes to the socket with the fewest datagrams queued in libuv; a socket with a queue is skipped
// while another has none; when every socket has a short queue the sweep waits (backpressure, bounded memory)
// instead of queueing without end; each socket asks for a larger send buffer (the kernel caps it at wmem_max);
// and the exchange waits for what is queued to leave, within a bound, before it closes its sockets.
import type { Socket } from 'node:dgram';
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { expandScope } from '../../net/cidr.js';
import type { ProbeContext } from '../types.js';
import { UDP_LIMITS } from '../../config.js';


interface PooledSocket {
  socket: Socket;
  /** Sends handed to the socket whose callback has not run: queued in libuv (kernel buffer full). */
  queued: number;
  /** The one send callback of this socket (no closure per datagram: a /16 sweep sends 650,000 of them). */
  onSent: (error: Error | null) => void;
}

export interface UnicastPool {
  /**
   * Resolves when some socket can take a datagram without queueing; undefined (no promise, no wait) when one can
   * already. Call before each `send`.
   */
  ready(signal: AbortSignal): Promise<void> | undefined;
  /** Hands `data` to the least busy socket now; a send that fails reaches the pool's `onError`. */
  send(data: Buffer, port: number, host: string): void;
  /** Waits until nothing is queued, at most `boundMs`; resolves with how many datagrams are still queued. */
  drain(boundMs: number, signal: AbortSignal): Promise<number>;
  /** When the kernel last took a datagram of this pool (performance.now() clock), or undefined. */
  lastSentAtMs(): number | undefined;
}

/**
 * Wraps sockets already opened and bound (the caller closes them). Returns undefined for an empty list. `onError`
 * hears every failed send (the error names the destination).
 */
export function createUnicastPool(sockets: readonly Socket[], log: Logger, onError: (error: Error) => void): UnicastPool | undefined {
  if (sockets.length === 0) return undefined;
  let waiters: (() => void)[] = [];
  let lastSentAtMs: number | undefined;
  const wakeAll = (): void => {
    if (waiters.length === 0) return;
    const ready = waiters;
    waiters = [];
    for (const wake of ready) wake();
  };
  const pool: PooledSocket[] = sockets.map((socket) => {
    try {
      socket.setSendBufferSize(UDP_LIMITS.unicastSendBufferBytes);
    } catch (error) {
      log.debug({ err: error }, 'could not enlarge a unicast socket send buffer; the pool still spreads the load');
    }
    const entry: PooledSocket = {
      socket,
      queued: 0,
      onSent: (error) => {
        entry.queued -= 1;
        if (error) onError(error);
        else lastSentAtMs = performance.now();
        wakeAll();
      },
    };
    return entry;
  });
  const leastQueued = (): PooledSocket => {
    let best = pool[0] as PooledSocket;
    for (const entry of pool) if (entry.queued < best.queued) best = entry;
    return best;
  };
  const waitForChange = (signal: AbortSignal, timeoutMs?: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        signal.removeEventListener('abort', onAbort);
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
      const onAbort = (): void => {
        waiters = waiters.filter((waiter) => waiter !== done);
        if (timer !== undefined) clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          waiters = waiters.filter((waiter) => waiter !== done);
          done();
        }, timeoutMs);
      }
      waiters.push(done);
    });
  const queuedInAll = (): number => pool.reduce((sum, entry) => sum + entry.queued, 0);

  return {
    ready(signal) {
      if (leastQueued().queued < UDP_LIMITS.maxQueuedPerSocket) return undefined;
      return (async () => {
        while (leastQueued().queued >= UDP_LIMITS.maxQueuedPerSocket) await waitForChange(signal);
      })();
    },
    send(data, port, host) {
      const entry = leastQueued();
      entry.queued += 1;
      entry.socket.send(data, port, host, entry.onSent);
    },
    async drain(boundMs, signal) {
      const until = performance.now() + boundMs;
      while (queuedInAll() > 0 && !signal.aborted) {
        const leftMs = until - performance.now();
        if (leftMs <= 0) break;
        await waitForChange(signal, leftMs).catch(() => undefined);
      }
      return queuedInAll();
    },
    lastSentAtMs: () => lastSentAtMs,
  };
}

/** Opens the sockets of a unicast sweep; undefined when none could bind. */
export async function openUnicastPool(log: Logger, open: (index: number) => Promise<Socket | undefined>): Promise<UnicastPool | undefined> {
  const opened: Socket[] = [];
  for (let index = 0; index < UDP_LIMITS.unicastPoolSize; index++) {
    const socket = await open(index);
    if (socket !== undefined) opened.push(socket);
  }
  // The error message names the destination ("send ECANCELED 10.0.0.7:3702").
  return createUnicastPool(opened, log, (error) => log.debug({ err: error }, 'unicast probe send failed'));
}

export interface UnicastSweepOptions {
  probes: readonly Buffer[];
  port: number;
  rounds: number;
  gapMs: number;
  /** This host's own addresses: no device to discover there. */
  ownAddresses: ReadonlySet<string>;
  /** True for a host that already answered: it is not asked again in a later round. */
  answered: (host: string) => boolean;
  isFinished: () => boolean;
  /** Called as each datagram is handed to the pool (for the listen deadline). */
  onSent: () => void;
  /** The addresses to sweep instead of every address of `cidrs` (the live ones, after host discovery). */
  hosts?: readonly string[];
}

/**
 * The unicast sweep: each address of `cidrs` (overlapping ranges merged, so none twice in a round) or of
 * `options.hosts`, never this
 * host's own, each datagram through the limiter and then the pool, `rounds` times with a gap.
 */
export async function sweepUnicast(cidrs: readonly string[], context: Pick<ProbeContext, 'config' | 'limiter' | 'signal'>, pool: UnicastPool | undefined, options: UnicastSweepOptions): Promise<void> {
  if (pool === undefined) return;
  const { config, limiter, signal } = context;
  for (let round = 0; round < options.rounds && !options.isFinished(); round++) {
    for (const host of options.hosts ?? expandScope(cidrs, config.maxScopeAddresses)) {
      if (options.isFinished()) return;
      // A host that already answered needs no second round; this host is no device to discover.
      if ((round > 0 && options.answered(host)) || options.ownAddresses.has(host)) continue;
      for (const probe of options.probes) {
        await limiter.take(host, signal);
        const room = pool.ready(signal);
        if (room !== undefined) await room;
        if (options.isFinished()) return;
        pool.send(probe, options.port, host);
        options.onSent();
      }
    }
    if (round + 1 < options.rounds) await sleep(options.gapMs, undefined, { signal });
  }
}
