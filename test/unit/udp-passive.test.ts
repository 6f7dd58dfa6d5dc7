// The engine's passive session (camaudit listen) on loopback: it hears datagrams sent to its port, sends nothing
// (not even a follow-up), refuses probes, and ends after its duration.
import { createSocket } from 'node:dgram';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveScanConfig } from '../../src/config.js';
import { openUdpSession, type UdpContext, type UdpReply } from '../../src/discovery/engine/udp.js';

function context(): UdpContext & { taken: string[] } {
  const taken: string[] = [];
  return {
    config: resolveScanConfig({}),
    log: pino({ level: 'silent' }),
    limiter: { take: async (host: string) => void taken.push(host) },
    signal: new AbortController().signal,
    taken,
  };
}

async function freePort(): Promise<number> {
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('a passive UDP session', () => {
  it('yields what arrives on its port for its duration and sends nothing', async () => {
    const port = await freePort();
    const ctx = context();
    const session = openUdpSession({ cidrs: [], interfaces: [] }, ctx, { group: '239.255.255.250', port, probes: [], passive: { durationMs: 600, joinGroup: false } });
    const device = createSocket('udp4');
    const answered: Buffer[] = [];
    device.on('message', (data) => answered.push(data));
    await new Promise<void>((resolve) => device.bind(0, '127.0.0.1', resolve));
    const replies: UdpReply[] = [];
    const started = performance.now();
    const reading = (async () => {
      for await (const reply of session.replies) {
        replies.push(reply);
        session.followUp({ kind: 'unicast', host: '127.0.0.1' }, Buffer.from('must not leave'));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 150));
    device.send(Buffer.from('NOTIFY * HTTP/1.1\r\n\r\n'), port, '127.0.0.1');
    await reading;
    const elapsed = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
    device.close();
    expect(replies.map((reply) => reply.data.toString())).toEqual(['NOTIFY * HTTP/1.1\r\n\r\n']);
    expect(answered).toEqual([]);
    expect(ctx.taken).toEqual([]);
    expect(elapsed).toBeGreaterThanOrEqual(550);
  });

  it('refuses to be handed probes', async () => {
    const session = openUdpSession({ cidrs: [], interfaces: [] }, context(), { group: '239.255.255.250', port: await freePort(), probes: [Buffer.from('probe')], passive: { durationMs: 100 } });
    await expect(session.replies.next()).rejects.toThrow(/sends no probes/);
  });
});
