// `camaudit listen`: learn what a segment says about itself without sending a probe. Unasked multicast
// announcements (mDNS, SSDP NOTIFY, WS-Discovery Hello/Bye, SADP and DHIP where devices send them), DHCP requests
// heard on port 67, and at the end the kernel's neighbour table. Observations are recorded as a scan of their own
// (channels ["listen"]), then identified and merged like a scan's.
import type { Logger } from 'pino';
import type { ScanConfig } from './config.js';
import { CamauditError } from './errors.js';
import type { Observation } from './model.js';
import { listLocalInterfaces } from './discovery/engine/interfaces.js';
import { passiveModules } from './discovery/listen/index.js';
import { readNeighbourTable } from './discovery/neighbour/index.js';
import { createProbeContext, rejectionRecord, runModules } from './discovery/engine/run.js';
import { cidrContains } from './net/cidr.js';
import type { Inventory } from './inventory/index.js';
import type { ScanOutcome } from './scan.js';

export interface ListenRequest {
  durationMs: number;
  interfaceNames?: string[];
}

export interface ListenDependencies {
  config: Readonly<ScanConfig>;
  inventory: Inventory;
  log: Logger;
  signal?: AbortSignal;
  onObservation?: (observation: Observation) => void;
}

export async function runListen(request: ListenRequest, dependencies: ListenDependencies): Promise<ScanOutcome> {
  const { config, inventory, log } = dependencies;
  const interfaces = listLocalInterfaces(request.interfaceNames);
  if (interfaces.length === 0) throw new CamauditError('CAMAUDIT_ERR_INTERFACE', 'nothing to listen on: no up, non-loopback interface with an IPv4 address');
  const started = performance.now();
  const scanId = await inventory.beginScan({
    site: config.site,
    agent: config.agent,
    scope: { mode: 'listen', interfaces: interfaces.map((local) => local.name), durationMs: request.durationMs },
    channels: ['listen'],
  });
  const abort = new AbortController();
  const onAbort = (): void => abort.abort(dependencies.signal?.reason);
  dependencies.signal?.addEventListener('abort', onAbort, { once: true });
  // The limiter is never asked: nothing is sent.
  const context = createProbeContext({ config, log, scanId, signal: abort.signal });
  let count = 0;
  const record = async (observation: Observation): Promise<void> => {
    await inventory.recordObservation(scanId, observation);
    count += 1;
    dependencies.onObservation?.(observation);
  };
  let status: ScanOutcome['status'] = 'finished';
  try {
    context.log.info({ interfaces: interfaces.map((local) => local.name), durationMs: request.durationMs }, 'listening (nothing is sent)');
    for await (const observation of runModules(passiveModules(request.durationMs), { cidrs: [], interfaces }, context)) await record(observation);
    // The kernel's table: what this host exchanged packets with, on the listened segments only.
    const segments = interfaces.map((local) => `${local.address}/${local.prefixLength}`);
    try {
      for (const entry of await readNeighbourTable()) {
        if (!segments.some((segment) => cidrContains(segment, entry.ip))) continue;
        await record(context.observe({ source: 'neighbour', ip: entry.ip, mac: entry.mac, transport: 'table', neighbour: entry.interface === undefined ? {} : { interface: entry.interface } }));
      }
    } catch (error) {
      log.warn({ err: error }, 'neighbour table not readable; no MAC addresses from it');
    }
    if (abort.signal.aborted) status = 'interrupted';
  } finally {
    dependencies.signal?.removeEventListener('abort', onAbort);
  }
  const finished = await inventory.finishScan(scanId, { status, ...rejectionRecord(context.rejections()) });
  const durationMs = Math.round(performance.now() - started);
  log.info({ scanId, status, observations: count, devices: finished.deviceIds.length, durationMs }, 'listen finished');
  return { scanId, status, observations: count, deviceIds: finished.deviceIds, durationMs };
}
