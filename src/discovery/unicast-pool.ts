// Unicast sweeps send through a small pool of UDP sockets, never letting one socket's queue grow.
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

/** Sockets per unicast sweep: each adds a send buffer's worth of probes that may wait on ARP at once. */
export const UNICAST_POOL_SIZE = 8;
/** Send buffer asked for per socket; Linux caps it at net.core.wmem_max (often 208 KiB) without error. */
export const UNICAST_SEND_BUFFER_BYTES = 1024 * 1024;
/** Datagrams queued in libuv on one socket before the sweep waits: any queue means its kernel buffer is full. */
const MAX_QUEUED_PER_SOCKET = 2;
/**
 * How long queued datagrams may take to leave once the sweep is done: Linux gives up on an unanswered ARP after
 * mcast_solicit (3) × retrans_time (1 s), which frees the buffer space its datagrams held.
 */
export const NEIGHBOUR_RESOLUTION_BOUND_MS = 3500;

interface PooledSocket {
  socket: Socket;
  /** Sends handed to the socket whose callback has not run: queued in libuv (kernel buffer full). */
  queued: number;
}

export interface UnicastPool {
  /**
   * Hands `data` to the least busy socket, waiting while every socket has a queue. Resolves when handed over;
   * `onSent` runs when the kernel took the datagram or refused it.
   */
  send(data: Buffer, port: number, host: string, signal: AbortSignal, onSent?: (error: Error | null) => void): Promise<void>;
  /** Waits until nothing is queued, at most `boundMs`; resolves with how many datagrams are still queued. */
  drain(boundMs: number, signal: AbortSignal): Promise<number>;
  /** When the kernel last took a datagram of this pool (performance.now() clock), or undefined. */
  lastSentAtMs(): number | undefined;
}

/** Wraps sockets already opened and bound (the caller closes them). Returns undefined for an empty list. */
export function createUnicastPool(sockets: readonly Socket[], log: Logger): UnicastPool | undefined {
  if (sockets.length === 0) return undefined;
  const pool: PooledSocket[] = sockets.map((socket) => {
    try {
      socket.setSendBufferSize(UNICAST_SEND_BUFFER_BYTES);
    } catch (error) {
      log.debug({ err: error }, 'could not enlarge a unicast socket send buffer; the pool still spreads the load');
    }
    return { socket, queued: 0 };
  });
  let waiters: (() => void)[] = [];
  let lastSentAtMs: number | undefined;
  const wakeAll = (): void => {
    const ready = waiters;
    waiters = [];
    for (const wake of ready) wake();
  };
  const leastQueued = (): PooledSocket => pool.reduce((best, entry) => (entry.queued < best.queued ? entry : best));
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

  return {
    async send(data, port, host, signal, onSent) {
      let entry = leastQueued();
      while (entry.queued >= MAX_QUEUED_PER_SOCKET) {
        await waitForChange(signal);
        entry = leastQueued();
      }
      entry.queued += 1;
      entry.socket.send(data, port, host, (error) => {
        entry.queued -= 1;
        if (!error) lastSentAtMs = performance.now();
        onSent?.(error);
        wakeAll();
      });
    },
    async drain(boundMs, signal) {
      const until = performance.now() + boundMs;
      const queued = (): number => pool.reduce((sum, entry) => sum + entry.queued, 0);
      while (queued() > 0 && !signal.aborted) {
        const leftMs = until - performance.now();
        if (leftMs <= 0) break;
        await waitForChange(signal, leftMs).catch(() => undefined);
      }
      return queued();
    },
    lastSentAtMs: () => lastSentAtMs,
  };
}
