import { describe, expect, it } from 'vitest';
import { REPLY_LIMITS, DEFAULT_SCAN_CONFIG } from '../../src/config.js';
import { followUpTargets } from '../../src/discovery/index.js';
import type { Observation } from '../../src/model.js';
import { observation } from './inventory-helpers.js';

// The follow-up stage probes the web ports devices announced; a host announcing hundreds (an mDNS flood) gets the
// first few probed and a refusal, so it cannot hold the scan for hundreds of probes at the rate limit.

const announce = (ip: string, port: number): Observation =>
  observation({ source: 'mdns', ip, mdns: { service: '_http._tcp.local', name: `svc-${port}`, port } });

describe('followUpTargets', () => {
  it('probes every port a camera announced, and at most the bound of a flood, the first announced', () => {
    const camera = [announce('10.0.0.5', 8899)];
    const flood = Array.from({ length: 300 }, (_, index) => announce('10.0.0.9', 1024 + index));
    const { targets, capped } = followUpTargets([...camera, ...flood], DEFAULT_SCAN_CONFIG, ['10.0.0.0/24']);
    expect(targets.filter((target) => target.ip === '10.0.0.5').map((target) => target.port)).toEqual([8899]);
    const floodPorts = targets.filter((target) => target.ip === '10.0.0.9').map((target) => target.port);
    expect(floodPorts).toEqual(Array.from({ length: REPLY_LIMITS.maxAnnouncedPortsPerAddress }, (_, index) => 1024 + index));
    expect(capped).toEqual([{ ip: '10.0.0.9', announced: 300 }]);
  });

  it('caps nothing at the bound itself', () => {
    const ports = Array.from({ length: REPLY_LIMITS.maxAnnouncedPortsPerAddress }, (_, index) => announce('10.0.0.7', 2000 + index));
    const { targets, capped } = followUpTargets(ports, DEFAULT_SCAN_CONFIG, ['10.0.0.0/24']);
    expect(targets).toHaveLength(REPLY_LIMITS.maxAnnouncedPortsPerAddress);
    expect(capped).toEqual([]);
  });
});
