// Test-side half of run-channel.ts: runs the driver in the lab's scanner namespace and returns what it printed.
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { ScanConfig } from '../../../src/config.js';
import type { Observation } from '../../../src/model.js';
import type { LocalInterface } from '../../../src/discovery/types.js';
import type { Lab, LabDevice } from '../lab.js';

const DRIVER = fileURLToPath(new URL('./run-channel.ts', import.meta.url));
const DRIVER_TIMEOUT_MS = 60_000;

export interface ChannelRequest {
  channels: string[];
  cidrs?: string[];
  interfaces?: string[] | 'all' | 'none';
  config?: Partial<ScanConfig>;
  logLevel?: string;
}

export interface ChannelRun {
  observations: Observation[];
  /** Milliseconds from the start of the probes to each observation, in order. */
  atMs: number[];
  durationMs: number;
  interfaces: string[];
  /** The same run in the shape discovery-ssdp.test.ts reads */
  summary: { durationMs: number; interfaces: LocalInterface[] };
  stderr: string;
}

export async function runChannels(lab: Lab, request: ChannelRequest): Promise<ChannelRun> {
  const result = await lab.runInScanner([process.execPath, '--import', 'tsx', DRIVER, JSON.stringify(request)], { timeoutMs: DRIVER_TIMEOUT_MS });
  const run: ChannelRun = { observations: [], atMs: [], durationMs: -1, interfaces: [], summary: { durationMs: -1, interfaces: [] }, stderr: result.stderr };
  for (const line of result.stdout.split('\n')) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as { event: string; observation?: Observation; atMs?: number; durationMs?: number; interfaces?: LocalInterface[]; message?: string };
    if (event.event === 'observation' && event.observation) {
      run.observations.push(event.observation);
      run.atMs.push(event.atMs ?? -1);
    } else if (event.event === 'done') {
      run.durationMs = event.durationMs ?? -1;
      run.interfaces = (event.interfaces ?? []).map((local) => local.name);
      run.summary = { durationMs: run.durationMs, interfaces: event.interfaces ?? [] };
    } else if (event.event === 'error') {
      throw new Error(`run-channel failed: ${event.message ?? ''}\n${result.stderr}`);
    }
  }
  if (result.code !== 0 || run.durationMs < 0) throw new Error(`run-channel exited ${String(result.code)}:\n${result.stdout}\n${result.stderr}`);
  return run;
}

/** Shorthand: `runChannel(lab, ['ssdp'], { listenWindowMs, cidrs })`. */
export function runChannel(
  lab: Lab,
  channels: string[],
  options: Partial<ScanConfig> & { cidrs?: string[]; interfaces?: ChannelRequest['interfaces'] } = {},
): Promise<ChannelRun> {
  const { cidrs, interfaces, ...config } = options;
  return runChannels(lab, { channels, config, ...(cidrs ? { cidrs } : {}), ...(interfaces ? { interfaces } : {}) });
}

/**
 * Asserts that the run observed exactly `devices` (compared by address, so a missing or an extra answer fails) and
 * pairs each device with its observation, in the order of `devices`.
 */
export function observationsOfExactly(run: ChannelRun, devices: readonly LabDevice[]): Array<{ device: LabDevice; observation: Observation }> {
  expect(run.observations.map((observation) => observation.ip).sort()).toEqual(devices.map((device) => device.ip).sort());
  return devices.map((device) => {
    const observation = run.observations.find((item) => item.ip === device.ip);
    if (!observation) throw new Error(`no observation of ${device.name} (${device.ip})`);
    return { device, observation };
  });
}

/**
 * A channel run ends when its listen window does. This is a behaviour bound, not a speed target (those are
 * `npm run bench`'s figures): a run that outlives its window by a whole window has hung on a device, or ran its
 * channels one after another instead of at once.
 */
export function expectEndedWithItsWindow(run: ChannelRun, listenWindowMs: number): void {
  expect(run.durationMs).toBeLessThan(2 * listenWindowMs);
}
