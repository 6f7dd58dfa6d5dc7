// Host discovery (src/discovery/engine/liveness.ts) over loopback only: attached addresses are judged by the
// neighbour table (injected here as /proc/net/arp text), routed ones by a TCP connect whose refusal counts as life.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveScanConfig } from '../../src/config.js';
import { discoverLiveHosts } from '../../src/discovery/engine/liveness.js';
import { createRateLimiter } from '../../src/discovery/engine/rate-limiter.js';
import { progressLine } from '../../src/cli/progress.js';

const ARP_HEADER = 'IP address       HW type     Flags       HW address            Mask     Device\n';
const arpLine = (ip: string, flags: string, mac: string): string => `${ip.padEnd(17)}0x1         ${flags}         ${mac}     *        lo\n`;

function context(connectTimeoutMs = 300) {
  return {
    config: resolveScanConfig({ connectTimeoutMs }),
    log: pino({ level: 'silent' }),
    limiter: createRateLimiter({ globalPerSecond: 2000, perHostPerSecond: 100 }),
    signal: new AbortController().signal,
  };
}

const datagram = { port: 3702, data: Buffer.from('probe') };

describe('discoverLiveHosts', () => {
  it('on an attached subnet counts complete neighbour entries as alive and incomplete ones as absent, one probe each', async () => {
    const table = ARP_HEADER + arpLine('127.0.0.9', '0x2', '00:11:22:33:44:55') + arpLine('127.0.0.10', '0x0', '00:00:00:00:00:00') + arpLine('10.9.9.9', '0x2', '00:11:22:33:44:66');
    const { alive, stats } = await discoverLiveHosts(['127.0.0.8/30'], context(), {
      attachedSubnets: [{ name: 'lo', address: '127.0.0.1', prefixLength: 8 }],
      datagram,
      readNeighbourTable: () => Promise.resolve(table),
      readResolutionsInProgress: () => Promise.resolve([]),
    });
    expect([...alive]).toEqual(['127.0.0.9']);
    expect(stats).toMatchObject({ addresses: 2, attached: 2, routed: 0, alive: 1, probes: 2, probesToAbsent: 1, aliveBy: { neighbour: 1, tcp: 0, udp: 0 } });
  });

  /**
   * Emulates Linux (net/core/neighbour.c) for 127.0.0.5, a camera that came up after an earlier scan asked for it:
   * that scan's resolution ends FAILED at `earlierResolutionEndsAt`, its last ARP solicitation sent before the camera
   * was up. A datagram sent before then joins that doomed resolution; one sent after starts a fresh one, answered.
   */
  async function cameraAfterEarlierResolution(inProgress: readonly string[] | undefined, boundMs: number) {
    const camera = createSocket('udp4');
    camera.bind(0, '127.0.0.5');
    await once(camera, 'listening');
    const earlierResolutionEndsAt = performance.now() + 300;
    const arrivals: number[] = [];
    camera.on('message', () => arrivals.push(performance.now()));
    const table = (): Promise<string> => {
      const answered = arrivals.some((at) => at > earlierResolutionEndsAt);
      return Promise.resolve(ARP_HEADER + (answered ? arpLine('127.0.0.5', '0x2', '44:a6:42:5b:20:11') : arpLine('127.0.0.5', '0x0', '00:00:00:00:00:00')));
    };
    try {
      const result = await discoverLiveHosts(['127.0.0.5/32'], context(), {
        attachedSubnets: [{ name: 'lo', address: '127.0.0.1', prefixLength: 8 }],
        datagram,
        readNeighbourTable: table,
        readResolutionsInProgress: () => Promise.resolve(inProgress),
        neighbourProbePort: camera.address().port,
        neighbourResolutionBoundMs: boundMs,
      });
      return { ...result, arrivals };
    } finally {
      camera.close();
    }
  }

  it('probes an address whose resolution was in progress before the scan only once that resolution is over', async () => {
    const { alive, stats, arrivals } = await cameraAfterEarlierResolution(['127.0.0.5'], 400);
    expect([...alive]).toEqual(['127.0.0.5']);
    expect(arrivals).toHaveLength(1);
    expect(stats).toMatchObject({ addresses: 1, alive: 1, probes: 1, probesToAbsent: 0, aliveBy: { neighbour: 1 } });
  });

  it('holds back every unresolved address when the resolutions in progress are unknown (no ip tool)', async () => {
    const { alive, stats } = await cameraAfterEarlierResolution(undefined, 400);
    expect([...alive]).toEqual(['127.0.0.5']);
    expect(stats.probes).toBe(1);
  });

  it('probes an address whose earlier resolution already failed at once, without waiting for the bound', async () => {
    // FAILED, not INCOMPLETE: the datagram restarts resolution. Sent at once it lands before the emulated end, so
    // the camera stays unseen here; what is checked is that the phase did not wait the 5 s bound.
    const { stats, arrivals } = await cameraAfterEarlierResolution([], 5000);
    expect(arrivals).toHaveLength(1);
    expect(stats.probes).toBe(1);
    expect(stats.durationMs).toBeLessThan(2500);
  });

  it('on a routed range counts a refused or accepted TCP connect as alive, and ignores the neighbour table there', async () => {
    const table = ARP_HEADER + arpLine('127.0.0.2', '0x2', '00:11:22:33:44:55');
    const { alive, stats } = await discoverLiveHosts(['127.0.0.2/32'], context(), { attachedSubnets: [], datagram, readNeighbourTable: () => Promise.resolve(table) });
    // Nothing listens on 127.0.0.2:80 in the test (or something does): refused or accepted, a host is there.
    expect([...alive]).toEqual(['127.0.0.2']);
    expect(stats).toMatchObject({ addresses: 1, routed: 1, probes: 1, probesToAbsent: 0, aliveBy: { neighbour: 0, tcp: 1 } });
  });

  it('reports progress up to the total', async () => {
    const seen: [number, number][] = [];
    await discoverLiveHosts(['127.0.0.0/25'], context(), {
      attachedSubnets: [{ name: 'lo', address: '127.0.0.1', prefixLength: 8 }],
      datagram,
      readNeighbourTable: () => Promise.resolve(ARP_HEADER),
      onProgress: (done, total) => seen.push([done, total]),
    });
    expect(seen.at(-1)).toEqual([126, 126]);
    expect(seen.length).toBeGreaterThan(1);
  });

  it('stops when the scan is aborted', async () => {
    const abort = new AbortController();
    abort.abort(new Error('stop'));
    await expect(discoverLiveHosts(['127.0.0.0/24'], { ...context(), signal: abort.signal }, { attachedSubnets: [], datagram })).rejects.toThrow();
  });
});

describe('progressLine', () => {
  it('shows the phase, addresses done out of the total and the time left at the pace so far', () => {
    expect(progressLine({ observations: 3, addresses: 2, phase: 'host-discovery', done: 16_384, total: 65_534 }, 16_000)).toBe(
      'host discovery: 16384/65534 addresses (25%), about 48 s left; 3 observations from 2 addresses',
    );
    expect(progressLine({ observations: 0, addresses: 0, phase: 'host-discovery', done: 1000, total: 65_534 }, 10_000)).toContain('about 10 min 45 s left');
    expect(progressLine({ observations: 9, addresses: 4, phase: 'probing', done: 0, total: 12 }, 0)).toBe('probing live hosts: 0/12 addresses (0%); 9 observations from 4 addresses');
    expect(progressLine({ observations: 1, addresses: 1 }, 0)).toBe('scanning: 1 observations from 1 addresses');
  });
});
