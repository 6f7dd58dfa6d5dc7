// The shared UDP engine on loopback unicast only (never multicast on the host): real sockets, real datagrams.
import { createSocket, type Socket } from 'node:dgram';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveScanConfig } from '../../src/config.js';
import { createDatagramAcceptor } from '../../src/discovery/engine/accept.js';
import { createRejectionLog } from '../../src/discovery/engine/rejections.js';
import { openUdpSession, routeOf, udpExchange, type UdpContext, type UdpReply } from '../../src/discovery/engine/udp.js';
import type { RateLimiter, RejectedInput } from '../../src/discovery/types.js';
import { createScanScope } from '../../src/net/scope.js';

interface FakeDevice {
  port: number;
  received: Buffer[];
  close(): Promise<void>;
}

const sockets: Socket[] = [];
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
});

/** A UDP "device" on `address`: records what it gets and answers with `answer(data)` (or stays silent). */
async function fakeDevice(address: string, answer: (data: Buffer) => Buffer | undefined, port = 0): Promise<FakeDevice> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  const received: Buffer[] = [];
  socket.on('message', (data, remote) => {
    received.push(data);
    const reply = answer(data);
    if (reply) socket.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(port, address, resolve));
  return { port: socket.address().port, received, close: async () => undefined };
}

function context(overrides: { listenWindowMs?: number; maxScopeAddresses?: number; signal?: AbortSignal; limiter?: RateLimiter } = {}): UdpContext {
  return {
    config: resolveScanConfig({ listenWindowMs: overrides.listenWindowMs ?? 300, ...(overrides.maxScopeAddresses ? { maxScopeAddresses: overrides.maxScopeAddresses } : {}) }),
    log: pino({ level: 'silent' }),
    limiter: overrides.limiter ?? { take: async () => undefined },
    signal: overrides.signal ?? new AbortController().signal,
  };
}

async function collect(iterable: AsyncIterable<UdpReply>): Promise<UdpReply[]> {
  const replies: UdpReply[] = [];
  for await (const reply of iterable) replies.push(reply);
  return replies;
}

describe('udpExchange over loopback unicast', () => {
  it('sends every probe to every range address, yields replies with sender and transport, and repeats only to the silent', async () => {
    const answering = await fakeDevice('127.0.0.1', (data) => Buffer.concat([Buffer.from('reply:'), data]));
    const silent = await fakeDevice('127.0.0.3', () => undefined, answering.port);
    const taken: string[] = [];
    const limiter: RateLimiter = { take: async (host) => void taken.push(host) };
    const started = performance.now();
    const replies = await collect(
      udpExchange({ cidrs: ['127.0.0.1/32', '127.0.0.3/32'], interfaces: [] }, context({ limiter }), {
        group: '239.255.255.250',
        port: answering.port,
        probes: [Buffer.from('A'), Buffer.from('B')],
        unicastSendCount: 2,
        sendGapMs: 50,
      }),
    );
    const elapsedMs = performance.now() - started;
    expect(replies.map((reply) => reply.data.toString()).sort()).toEqual(['reply:A', 'reply:B']);
    expect(replies[0]).toMatchObject({ from: { address: '127.0.0.1', port: answering.port }, transport: 'unicast' });
    expect(replies[0]?.interfaceName).toBeUndefined();
    expect(answering.received.map(String)).toEqual(['A', 'B']);
    expect(silent.received.map(String)).toEqual(['A', 'B', 'A', 'B']);
    expect(taken).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.3', '127.0.0.3', '127.0.0.3', '127.0.0.3']);
    expect(elapsedMs).toBeGreaterThanOrEqual(300);
    expect(elapsedMs).toBeLessThan(300 + 50 + 700);
  });

  it('with host discovery sweeps only the live addresses it is given, once they are known', async () => {
    const live = await fakeDevice('127.0.0.5', (data) => Buffer.concat([Buffer.from('reply:'), data]));
    const absent = await fakeDevice('127.0.0.6', () => undefined, live.port);
    let resolveLive: (hosts: readonly string[]) => void = () => undefined;
    const liveHosts = new Promise<readonly string[]>((resolve) => (resolveLive = resolve));
    setTimeout(() => resolveLive(['127.0.0.5']), 100);
    const replies = await collect(
      udpExchange({ cidrs: ['127.0.0.4/30'], interfaces: [], unicastTargets: () => liveHosts }, context(), { group: '239.255.255.250', port: live.port, probes: [Buffer.from('A')] }),
    );
    expect(replies.map((reply) => reply.data.toString())).toEqual(['reply:A']);
    expect(live.received.map(String)).toEqual(['A']);
    expect(absent.received).toEqual([]);
  });

  it('sends unicast probes once by default', async () => {
    const silent = await fakeDevice('127.0.0.1', () => undefined);
    await collect(udpExchange({ cidrs: ['127.0.0.1/32'], interfaces: [] }, context({ listenWindowMs: 50 }), { group: '239.255.255.250', port: silent.port, probes: [Buffer.from('A')] }));
    expect(silent.received.map(String)).toEqual(['A']);
  });

  it('drops datagrams larger than the bound and keeps the rest', async () => {
    const device = await fakeDevice('127.0.0.1', (data) => (data.toString() === 'big' ? Buffer.alloc(4000, 0x41) : Buffer.from('small')));
    const replies = await collect(
      udpExchange({ cidrs: ['127.0.0.1'], interfaces: [] }, context({ listenWindowMs: 150 }), {
        group: '239.255.255.250', port: device.port, probes: [Buffer.from('big'), Buffer.from('x')], sendCount: 1, maxDatagramBytes: 1024,
      }),
    );
    expect(replies.map((reply) => reply.data.toString())).toEqual(['small']);
  });

  it('stops at once when the scan aborts, mid listen window', async () => {
    const device = await fakeDevice('127.0.0.1', () => Buffer.from('hi'));
    const controller = new AbortController();
    const started = performance.now();
    const replies: UdpReply[] = [];
    for await (const reply of udpExchange({ cidrs: ['127.0.0.1/32'], interfaces: [] }, context({ listenWindowMs: 10_000, signal: controller.signal }), {
      group: '239.255.255.250', port: device.port, probes: [Buffer.from('p')], sendCount: 1,
    })) {
      replies.push(reply);
      controller.abort();
    }
    expect(replies).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('ends quietly with nothing to probe, and refuses bad or oversized ranges before opening sockets', async () => {
    const started = performance.now();
    expect(await collect(udpExchange({ cidrs: [], interfaces: [] }, context({ listenWindowMs: 50 }), { group: '239.255.255.250', port: 9, probes: [Buffer.from('p')] }))).toEqual([]);
    expect(performance.now() - started).toBeLessThan(1500);
    await expect(collect(udpExchange({ cidrs: ['10.0.0.0/33'], interfaces: [] }, context(), { group: '239.255.255.250', port: 9, probes: [] }))).rejects.toMatchObject({ code: 'CAMAUDIT_ERR_BAD_CIDR' });
    await expect(collect(udpExchange({ cidrs: ['10.0.0.0/16'], interfaces: [] }, context({ maxScopeAddresses: 256 }), { group: '239.255.255.250', port: 9, probes: [] }))).rejects.toMatchObject({ code: 'CAMAUDIT_ERR_SCOPE_TOO_LARGE' });
  });

  it('closes its sockets when the consumer stops early', async () => {
    const device = await fakeDevice('127.0.0.1', () => Buffer.from('hi'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = process.getActiveResourcesInfo().filter((name) => name === 'UDPWrap').length;
    for await (const _reply of udpExchange({ cidrs: ['127.0.0.1/32'], interfaces: [] }, context({ listenWindowMs: 10_000 }), {
      group: '239.255.255.250', port: device.port, probes: [Buffer.from('p')], sendCount: 1,
    })) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    const after = process.getActiveResourcesInfo().filter((name) => name === 'UDPWrap').length;
    expect(after).toBe(before);
  });
});

describe('openUdpSession follow-ups', () => {
  it('sends a follow-up back on the route of the reply that asked for it, within the same listen window', async () => {
    const device = await fakeDevice('127.0.0.1', (data) => Buffer.from(`re:${data.toString()}`));
    const session = openUdpSession({ cidrs: ['127.0.0.1/32'], interfaces: [] }, context({ listenWindowMs: 300 }), {
      group: '239.255.255.250',
      port: device.port,
      probes: [Buffer.from('first')],
    });
    const replies: string[] = [];
    for await (const reply of session.replies) {
      replies.push(reply.data.toString());
      const route = routeOf(reply);
      expect(route).toEqual({ kind: 'unicast', host: '127.0.0.1' });
      if (reply.data.toString() === 're:first' && route !== undefined) session.followUp(route, Buffer.from('second'));
    }
    expect(device.received.map(String)).toEqual(['first', 'second']);
    expect(replies).toEqual(['re:first', 're:second']);
  });

  it('drops a follow-up queued after the session ended', async () => {
    const device = await fakeDevice('127.0.0.1', () => undefined);
    const session = openUdpSession({ cidrs: ['127.0.0.1/32'], interfaces: [] }, context({ listenWindowMs: 50 }), { group: '239.255.255.250', port: device.port, probes: [Buffer.from('p')] });
    for await (const _reply of session.replies) break;
    session.followUp({ kind: 'unicast', host: '127.0.0.1' }, Buffer.from('late'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(device.received.map(String)).toEqual(['p']);
  });
});

describe('createDatagramAcceptor', () => {
  const datagram = (address: string, bytes: number) => ({ from: { address, port: 1 }, bytes, transport: 'unicast' as const });

  it("refuses this host's own datagrams and oversized ones, and marks the senders it accepted as answered", () => {
    const acceptor = createDatagramAcceptor({ maxDatagramBytes: 100, ownAddresses: new Set(['10.0.0.2']) });
    expect(acceptor.refuse(datagram('10.0.0.2', 10))?.reason).toBe('sent by this host');
    expect(acceptor.refuse(datagram('10.0.0.3', 101))?.reason).toMatch(/over the 100-byte bound/);
    expect(acceptor.refuse(datagram('10.0.0.3', 100))).toBeUndefined();
    expect(acceptor.answered('10.0.0.3')).toBe(false);
    acceptor.accepted(datagram('10.0.0.3', 100));
    expect(acceptor.answered('10.0.0.3')).toBe(true);
  });
});

describe('scope: replies from outside the scan are refused and recorded, in the engine', () => {
  it('the acceptor refuses a sender outside the ranges (recorded), and one outside the arrival interface\'s subnet', () => {
    const scope = createScanScope(['10.0.0.0/24'], [{ name: 'eth0', address: '192.168.1.2', prefixLength: 24 }]);
    const acceptor = createDatagramAcceptor({ maxDatagramBytes: 100, ownAddresses: new Set(), scope });
    expect(acceptor.refuse({ from: { address: '10.0.0.9', port: 1 }, bytes: 10, transport: 'multicast' })).toBeUndefined();
    expect(acceptor.refuse({ from: { address: '10.0.1.9', port: 1 }, bytes: 10, transport: 'unicast' })).toEqual({ reason: "reply from outside the scan's ranges (10.0.0.0/24): refused", record: true });
    const attached = createDatagramAcceptor({ maxDatagramBytes: 100, ownAddresses: new Set(), scope: createScanScope([], [{ name: 'eth0', address: '192.168.1.2', prefixLength: 24 }]) });
    expect(attached.refuse({ from: { address: '192.168.1.77', port: 1 }, bytes: 10, transport: 'multicast', interfaceName: 'eth0' })).toBeUndefined();
    expect(attached.refuse({ from: { address: '192.168.2.77', port: 1 }, bytes: 10, transport: 'multicast', interfaceName: 'eth0' })?.record).toBe(true);
  });

  it('a real reply from an address outside the scope never reaches the channel, and the scan records why', async () => {
    const device = await fakeDevice('127.0.0.1', (data) => Buffer.concat([Buffer.from('reply:'), data]));
    const refused: RejectedInput[] = [];
    const scoped: UdpContext = { ...context(), scope: createScanScope(['127.0.0.2/32'], []), reject: (input) => void refused.push(input) };
    const replies = await collect(udpExchange({ cidrs: ['127.0.0.1/32'], interfaces: [] }, scoped, { channel: 'sadp', group: '239.255.255.250', port: device.port, probes: [Buffer.from('p')], unicastSendCount: 1 }));
    expect(device.received.length).toBeGreaterThan(0);
    expect(replies).toEqual([]);
    expect(refused).toEqual([expect.objectContaining({ channel: 'sadp', ip: '127.0.0.1', reason: "reply from outside the scan's ranges (127.0.0.2/32): refused" })]);
  });
});

describe('session bounds: responders and bytes', () => {
  const datagram = (address: string, bytes: number) => ({ from: { address, port: 1 }, bytes, transport: 'unicast' as const });
  const take = (acceptor: ReturnType<typeof createDatagramAcceptor>, address: string, bytes: number) => {
    const refusal = acceptor.refuse(datagram(address, bytes));
    if (refusal === undefined) acceptor.accepted(datagram(address, bytes));
    return refusal;
  };

  it('accepts at most N responders, B bytes from one and T bytes in all; each refusal is recorded', () => {
    const acceptor = createDatagramAcceptor({ maxDatagramBytes: 1000, ownAddresses: new Set(), maxResponders: 3, maxBytesPerResponder: 1500, maxBytesTotal: 3500 });
    for (const host of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) expect(take(acceptor, host, 1000)).toBeUndefined();
    expect(take(acceptor, '10.0.0.4', 10)).toEqual({ reason: 'more than 3 responders in one session; the rest ignored', record: true });
    expect(take(acceptor, '10.0.0.1', 400)).toBeUndefined();
    expect(take(acceptor, '10.0.0.1', 101)).toEqual({ reason: 'more than 1500 bytes from one responder; the rest ignored', record: true });
    expect(take(acceptor, '10.0.0.2', 500)?.reason).toBe('more than 3500 bytes of replies in one session; the rest ignored');
    expect(take(acceptor, '10.0.0.2', 100)).toBeUndefined();
  });

  it('a storm from 100 000 source addresses keeps a bounded table', () => {
    const acceptor = createDatagramAcceptor({ maxDatagramBytes: 1000, ownAddresses: new Set(), maxResponders: 4096, maxBytesPerResponder: 1000, maxBytesTotal: 1 << 30 });
    let accepted = 0;
    for (let index = 0; index < 100_000; index += 1) if (take(acceptor, `10.${index >> 16}.${(index >> 8) & 255}.${index & 255}`, 100) === undefined) accepted += 1;
    expect(accepted).toBe(4096);
  });
});

describe('the rejection log under a storm of one refusal from many addresses', () => {
  it('lists a few addresses per reason and one "many addresses" entry, so other refusals still get listed', () => {
    const log = createRejectionLog(pino({ level: 'silent' }), { maxEntries: 64 });
    for (let index = 0; index < 5000; index += 1) log.record({ channel: 'sadp', ip: `10.9.${index >> 8}.${index & 255}`, reason: 'reply from outside the scan\'s ranges (10.0.0.0/24): refused' });
    log.record({ channel: 'banner', ip: '10.0.0.7', port: 80, reason: 'HTTP reply larger than 65536 bytes' });
    const summary = log.summary();
    expect(summary.total).toBe(5001);
    const storm = summary.entries.filter((entry) => entry.channel === 'sadp');
    expect(storm).toHaveLength(17);
    expect(storm.find((entry) => entry.ip === 'many addresses')?.count).toBe(5000 - 16);
    expect(summary.entries).toContainEqual(expect.objectContaining({ channel: 'banner', ip: '10.0.0.7', reason: 'HTTP reply larger than 65536 bytes' }));
  });
});
