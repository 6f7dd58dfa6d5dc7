// Shared by the fleet tests: batches as an agent builds them, from real observations (ids are real hashes).
import { randomUUID } from 'node:crypto';
import type { IngestBatch } from '../../src/inventory/index.js';
import type { Observation } from '../../src/model.js';
import { http, neighbour, observation, sadp } from './inventory-helpers.js';

/** A camera seen by SADP and its neighbour entry, at `site`. */
export function camera(site: string, ip: string, mac: string, serial: string, model = 'DS-2CD2042WD-I'): Observation[] {
  return [observation(sadp(ip, mac, serial, model), site, `agent-${site}`), observation(neighbour(ip, mac), site, `agent-${site}`)];
}

export function printer(site: string, ip: string): Observation[] {
  return [observation(http(ip, 'Printer'), site, `agent-${site}`)];
}

export function batchOf(site: string, observations: Observation[], options: { scanId?: string; finish?: boolean; scanEverySeconds?: number } = {}): IngestBatch {
  return {
    site,
    agent: `agent-${site}`,
    agentVersion: '0.1.0-test',
    scan: { id: options.scanId ?? randomUUID(), startedAt: new Date().toISOString(), scope: { cidrs: ['10.0.0.0/24'] }, channels: ['sadp', 'neighbour', 'banner'] },
    observations,
    ...(options.scanEverySeconds !== undefined ? { scanEverySeconds: options.scanEverySeconds } : {}),
    ...(options.finish !== false ? { finish: { status: 'finished' as const } } : {}),
  };
}
