import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import { CamauditError } from '../errors.js';
import type { IngestBatch, IngestResult, Inventory, ScanFinish } from '../inventory/index.js';
import { sectionsOf } from '../inventory/index.js';
import type { Observation } from '../model.js';
import { observationId } from '../observation.js';
import { VERSION } from '../version.js';
import type { ScanSink, SinkScan } from './sink.js';

// Offline bundles for air-gapped sites: `camaudit scan --out FILE.jsonl.gz` writes one scan as gzipped JSON Lines,
// `camaudit import FILE.jsonl.gz --site NAME` loads it through the same idempotent ingest as a push, so importing
// a bundle twice stores its observations once. Lines:
//   {"camauditBundle":1,"agentVersion":…,"scan":{"id","site","agent","startedAt","scope","channels"}}
//   {"observation":{…}}            one per observation
//   {"finish":{"status","counts","errors"}}   last; a bundle without it (the scan was killed) imports as interrupted

export const BUNDLE_FORMAT = 1;
export const BUNDLE_SUFFIX = '.jsonl.gz';
const IMPORT_BATCH = 1000;
// A line longer than this is not one observation of ours: refuse rather than hold it.
const MAX_LINE_CHARS = 4 * 1024 * 1024;

export function isBundlePath(path: string): boolean {
  return path.toLowerCase().endsWith(BUNDLE_SUFFIX);
}

export function bundleSink(path: string): ScanSink {
  let gzip: Gzip | undefined;
  let file: WriteStream | undefined;
  const write = async (value: unknown): Promise<void> => {
    if (!gzip) throw new CamauditError('CAMAUDIT_ERR_INTERNAL', 'bundle written before its scan began');
    if (!gzip.write(`${JSON.stringify(value)}\n`)) await once(gzip, 'drain');
  };
  return {
    async begin(scan: SinkScan) {
      gzip = createGzip();
      file = createWriteStream(path, { mode: 0o600 });
      gzip.pipe(file);
      await write({ camauditBundle: BUNDLE_FORMAT, agentVersion: VERSION, scan });
    },
    async observation(observation: Observation) {
      await write({ observation });
    },
    async finish(finish: ScanFinish) {
      await write({ finish });
      const closed = once(file!, 'close');
      gzip!.end();
      await closed;
    },
  };
}

interface BundleHeader {
  camauditBundle: number;
  agentVersion?: string;
  scan: SinkScan;
}

function parseLine(line: string, number: number, path: string): Record<string, unknown> {
  if (line.length > MAX_LINE_CHARS) throw new CamauditError('CAMAUDIT_ERR_BAD_OBSERVATION', `${path} line ${number}: longer than ${MAX_LINE_CHARS} characters`);
  try {
    const value = JSON.parse(line) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below.
  }
  throw new CamauditError('CAMAUDIT_ERR_BAD_OBSERVATION', `${path} line ${number}: not a JSON object`);
}

/**
 * The observation as filed under `site`. A bundle made without --site (site "default") can be given its site at
 * import: its ids are recomputed (they hash the site), the same way each time, so re-imports still match.
 */
function relabel(observation: Observation, site: string): Observation {
  if (observation.site === site) return observation;
  return { ...observation, site, id: observationId(site, sectionsOf(observation)) };
}

export interface ImportOutcome {
  scanId: string;
  /** Distinct observations (by id) in the bundle: a scan records the same sighting twice at times (the neighbour table is read twice). */
  observations: number;
  stored: number;
  duplicates: number;
  scanStatus: IngestResult['scanStatus'];
}

/** Loads a bundle into the inventory in batches; `site` must be the bundle's own site, or the bundle's site must be "default". */
export async function importBundle(path: string, options: { inventory: Inventory; site: string }): Promise<ImportOutcome> {
  const lines = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
  let header: BundleHeader | undefined;
  let pending: Observation[] = [];
  let finish: ScanFinish | undefined;
  const outcome: ImportOutcome = { scanId: '', observations: 0, stored: 0, duplicates: 0, scanStatus: 'running' };

  const send = async (last: boolean): Promise<void> => {
    const scan = header!.scan;
    const batch: IngestBatch = {
      site: options.site,
      agent: scan.agent,
      scan: { id: scan.id, startedAt: scan.startedAt, scope: scan.scope, channels: scan.channels },
      observations: pending,
      ...(header!.agentVersion !== undefined ? { agentVersion: header!.agentVersion } : {}),
      ...(last ? { finish: finish ?? { status: 'interrupted' } } : {}),
    };
    const result = await options.inventory.ingestBatch(batch);
    outcome.stored += result.stored;
    outcome.duplicates += result.duplicates;
    outcome.scanStatus = result.scanStatus;
    pending = [];
  };

  const distinct = new Set<string>();
  let number = 0;
  try {
    for await (const line of lines) {
      number += 1;
      if (line.trim() === '') continue;
      const record = parseLine(line, number, path);
      if (!header) {
        const scan = record.scan as SinkScan | undefined;
        if (record.camauditBundle !== BUNDLE_FORMAT || typeof scan !== 'object' || scan === null || typeof scan.id !== 'string' || typeof scan.site !== 'string') {
          throw new CamauditError('CAMAUDIT_ERR_BAD_OBSERVATION', `${path} is not a camaudit bundle (format ${BUNDLE_FORMAT})`);
        }
        if (scan.site !== options.site && scan.site !== 'default') {
          throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', `${path} holds a scan of site "${scan.site}", not "${options.site}"`);
        }
        header = record as unknown as BundleHeader;
        outcome.scanId = scan.id;
        continue;
      }
      if (record.finish !== undefined) {
        finish = record.finish as ScanFinish;
        continue;
      }
      if (typeof record.observation !== 'object' || record.observation === null) throw new CamauditError('CAMAUDIT_ERR_BAD_OBSERVATION', `${path} line ${number}: neither an observation nor the finish line`);
      const observation = relabel(record.observation as Observation, options.site);
      pending.push(observation);
      distinct.add(observation.id);
      outcome.observations = distinct.size;
      if (pending.length >= IMPORT_BATCH) await send(false);
    }
  } catch (error) {
    if (error instanceof CamauditError) throw error;
    // A bundle cut short (its scan was killed, its copy broke off) still holds the lines before the cut: they are
    // real observations, imported like the rest, and the scan is marked interrupted.
    if ((error as NodeJS.ErrnoException).code !== 'Z_BUF_ERROR' || !header) {
      throw new CamauditError('CAMAUDIT_ERR_BAD_OBSERVATION', `${path}: ${(error as Error).message}`, { cause: error });
    }
    finish = undefined;
  }
  if (!header) throw new CamauditError('CAMAUDIT_ERR_BAD_OBSERVATION', `${path} is empty`);
  await send(true);
  return outcome;
}
