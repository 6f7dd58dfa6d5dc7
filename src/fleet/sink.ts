import type { FinishedScan, IngestBatch, Inventory, ScanFinish, ScanStart } from '../inventory/index.js';
import type { Observation } from '../model.js';
import { VERSION } from '../version.js';
import type { Spool } from './spool.js';

// Where a scan's observations go besides the local inventory: batches into the push spool, lines into an offline
// bundle. The scan orchestrator does not know: it records into an Inventory, and this wrapper copies each call.

export const DEFAULT_BATCH_OBSERVATIONS = 500;

export interface SinkScan {
  id: string;
  site: string;
  agent: string;
  startedAt: string;
  scope: Record<string, unknown>;
  channels: string[];
}

export interface ScanSink {
  begin(scan: SinkScan): Promise<void>;
  observation(observation: Observation): Promise<void>;
  finish(finish: ScanFinish): Promise<void>;
}

/** The inventory, with each scan's begin, observations and finish copied to the sinks as well. */
export function withSinks(inventory: Inventory, sinks: readonly ScanSink[]): Inventory {
  if (sinks.length === 0) return inventory;
  return {
    ...inventory,
    async beginScan(start: ScanStart & { id?: string }): Promise<string> {
      const id = await inventory.beginScan(start);
      const scan: SinkScan = { id, site: start.site, agent: start.agent, startedAt: new Date().toISOString(), scope: start.scope, channels: start.channels };
      for (const sink of sinks) await sink.begin(scan);
      return id;
    },
    async recordObservation(scanId: string, observation: Observation): Promise<void> {
      await inventory.recordObservation(scanId, observation);
      for (const sink of sinks) await sink.observation(observation);
    },
    async finishScan(scanId: string, finish: ScanFinish): Promise<FinishedScan> {
      const finished = await inventory.finishScan(scanId, finish);
      const forwarded: ScanFinish = { status: finish.status, counts: finished.counts, ...(finish.errors ? { errors: finish.errors } : {}) };
      for (const sink of sinks) await sink.finish(forwarded);
      return finished;
    },
  };
}

export interface SpoolSinkOptions {
  spool: Spool;
  /** How often the agent scans, sent so that the server can flag a site that went quiet. */
  scanEverySeconds?: number;
  batchObservations?: number;
  /** Called after each batch is spooled (the pusher sends it). */
  onBatch?: () => void;
}

/** Cuts a scan into batches of observations and writes each to the spool; the last one carries `finish`. */
export function spoolSink(options: SpoolSinkOptions): ScanSink {
  const size = options.batchObservations ?? DEFAULT_BATCH_OBSERVATIONS;
  let scan: SinkScan | undefined;
  let pending: Observation[] = [];
  const flush = (finish?: ScanFinish): void => {
    if (!scan) return;
    const batch: IngestBatch = {
      site: scan.site,
      agent: scan.agent,
      agentVersion: VERSION,
      scan: { id: scan.id, startedAt: scan.startedAt, scope: scan.scope, channels: scan.channels },
      observations: pending,
      ...(options.scanEverySeconds !== undefined ? { scanEverySeconds: options.scanEverySeconds } : {}),
      ...(finish ? { finish } : {}),
    };
    options.spool.append(batch);
    pending = [];
    options.onBatch?.();
  };
  return {
    async begin(started) {
      scan = started;
      pending = [];
    },
    async observation(observation) {
      pending.push(observation);
      if (pending.length >= size) flush();
    },
    async finish(finish) {
      flush(finish);
      scan = undefined;
    },
  };
}
