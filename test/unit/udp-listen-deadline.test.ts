// When a UDP exchange stops listening: the multicast window runs from the first multicast send, a unicast sweep
// inside it costs no time, and after the last unicast send only the grace is added. Pure rule first, then the real
// engine on loopback unicast (never multicast on the host).
import { createSocket, type Socket } from 'node:dgram';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveScanConfig } from '../../src/config.js';
import { listenDeadline, udpExchange, type UdpReply } from '../../src/discovery/engine/udp.js';

describe('listenDeadline', () => {
  const config = { listenWindowMs: 3000, unicastGraceMs: 500 };

  it('ends a whole window after the first multicast send when the sweep finished inside it', () => {
    expect(listenDeadline({ multicastStartedAtMs: 100, lastSendAtMs: 2000 }, config)).toBe(3100);
  });

  it('ends the grace after the last send when the sweep outlasted the window', () => {
    expect(listenDeadline({ multicastStartedAtMs: 100, lastSendAtMs: 9000 }, config)).toBe(9500);
  });

  it('waits only the grace after a unicast-only sweep, and never longer than the window', () => {
    expect(listenDeadline({ multicastStartedAtMs: undefined, lastSendAtMs: 1000 }, config)).toBe(1500);
    expect(listenDeadline({ multicastStartedAtMs: undefined, lastSendAtMs: 1000 }, { listenWindowMs: 200, unicastGraceMs: 500 })).toBe(1200);
  });
});

const sockets: Socket[] = [];
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
});

describe('udpExchange timing on loopback unicast', () => {
  it('stops the grace after its last unicast probe, not a whole listen window later, and keeps the replies', async () => {
    const device = createSocket('udp4');
    sockets.push(device);
    device.on('message', (data, remote) => device.send(Buffer.concat([Buffer.from('re:'), data]), remote.port, remote.address));
    await new Promise<void>((resolve) => device.bind(0, '127.0.0.1', resolve));
    const config = resolveScanConfig({ listenWindowMs: 5000, unicastGraceMs: 150 });
    const started = performance.now();
    const replies: UdpReply[] = [];
    for await (const reply of udpExchange(
      { cidrs: ['127.0.0.1/32'], interfaces: [] },
      { config, log: pino({ level: 'silent' }), limiter: { take: async () => undefined }, signal: new AbortController().signal },
      { group: '239.255.255.250', port: device.address().port, probes: [Buffer.from('p')] },
    )) {
      replies.push(reply);
    }
    const elapsedMs = performance.now() - started;
    expect(replies.map((reply) => reply.data.toString())).toEqual(['re:p']);
    expect(elapsedMs).toBeGreaterThanOrEqual(140);
    expect(elapsedMs).toBeLessThan(2000);
  });
});
