// The pool's bookkeeping, with a stand-in for node:dgram sockets whose kernel buffer is full: each send's callback
// runs only when the test says the kernel took it. (The lab test "still reaches the routed devices when the sweep
// first crosses a mostly empty directly attached /24" shows the same on real sockets and real ARP.)
import type { Socket } from 'node:dgram';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createUnicastPool } from '../../src/discovery/engine/pool.js';

interface Held {
  host: string;
  done: (error: Error | null) => void;
}

function stalledSocket(held: Held[]): Socket {
  const socket = {
    setSendBufferSize: () => undefined,
    send: (_data: Buffer, _port: number, host: string, done: (error: Error | null) => void) => {
      held.push({ host, done });
    },
  };
  return socket as unknown as Socket;
}

const log = pino({ level: 'silent' });
const data = Buffer.from('probe');

describe('unicast socket pool', () => {
  it('spreads sends over the least queued socket and holds the sweep when every socket has a queue', async () => {
    const held: Held[][] = [[], [], []];
    const errors: Error[] = [];
    const pool = createUnicastPool(held.map(stalledSocket), log, (error) => errors.push(error));
    if (pool === undefined) throw new Error('no pool');
    const signal = new AbortController().signal;
    for (let index = 0; index < 6; index++) {
      expect(pool.ready(signal)).toBeUndefined();
      pool.send(data, 3702, `10.0.0.${index}`);
    }
    expect(held.map((queue) => queue.length)).toEqual([2, 2, 2]);
    const waiting = pool.ready(signal);
    expect(waiting).toBeInstanceOf(Promise);
    let resumed = false;
    void waiting?.then(() => (resumed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(resumed).toBe(false);
    // The kernel takes one datagram of the second socket: the sweep resumes, and the next send goes there.
    held[1]?.shift()?.done(null);
    await waiting;
    expect(resumed).toBe(true);
    pool.send(data, 3702, '10.0.0.9');
    expect(held[1]?.at(-1)?.host).toBe('10.0.0.9');
    expect(pool.lastSentAtMs()).toBeTypeOf('number');
    held[0]?.shift()?.done(new Error('send ECANCELED 10.0.0.0:3702'));
    expect(errors.map((error) => error.message)).toEqual(['send ECANCELED 10.0.0.0:3702']);
  });

  it('drains within its bound and says how many datagrams were left queued', async () => {
    const held: Held[][] = [[], []];
    const pool = createUnicastPool(held.map(stalledSocket), log, () => undefined);
    if (pool === undefined) throw new Error('no pool');
    const signal = new AbortController().signal;
    for (let index = 0; index < 3; index++) pool.send(data, 37020, `10.0.1.${index}`);
    setTimeout(() => held[0]?.shift()?.done(null), 20);
    expect(await pool.drain(150, signal)).toBe(2);
    for (const queue of held) for (const entry of queue.splice(0)) entry.done(null);
    expect(await pool.drain(150, signal)).toBe(0);
  });

  it('stops waiting when the scan aborts', async () => {
    const held: Held[][] = [[]];
    const pool = createUnicastPool(held.map(stalledSocket), log, () => undefined);
    if (pool === undefined) throw new Error('no pool');
    const controller = new AbortController();
    pool.send(data, 1900, '10.0.2.1');
    pool.send(data, 1900, '10.0.2.2');
    const waiting = pool.ready(controller.signal);
    controller.abort(new Error('scan interrupted'));
    await expect(waiting).rejects.toThrow('scan interrupted');
    expect(createUnicastPool([], log, () => undefined)).toBeUndefined();
  });
});
