import type { Logger } from 'pino';
import { CamauditError } from '../errors.js';
import type { Observation, ObservationSections } from '../model.js';
import { observationId } from '../observation.js';
import type { ScanRow } from './rows.js';
import { insertSql, placeholders, type SqlDatabase, type SqlValue } from './sql.js';
import { OBSERVATION_COLUMNS, observationRow, SQL } from './statements.js';
import type { FinishedScanCounts, IngestBatch, IngestOptions, IngestResult, ScanFinish } from './types.js';

// Batches that agents push (and bundles that `camaudit import` reads) go in here. A batch is idempotent: its scan
// is keyed by the agent's scan id, its observations by their ids and their sightings by (scan, observation), so a
// batch sent twice (a retry after a lost answer, a bundle imported twice) stores nothing the second time.
// Each observation's id is recomputed from its content: the id hashes the site too, so an agent cannot file an
// observation under another site's id, nor overwrite one.

export const MAX_BATCH_OBSERVATIONS = 5000;
const MAX_NAME = 200;
// Rows per INSERT statement: 10 columns × 400 stays far below both engines' limits on bound parameters.
const ROWS_PER_INSERT = 400;
const SIGHTING_COLUMNS = ['scan_id', 'observation_id', 'agent', 'observed_at'];

export interface IngestContext {
  db: SqlDatabase;
  now: () => string;
  log: Logger;
  finish: (scanId: string, request: ScanFinish) => Promise<FinishedScanCounts>;
  pushRunnerPrefix: string;
}

/** The part of an observation its id is computed from (see observationId). */
export function sectionsOf(observation: Observation): ObservationSections {
  const { id: _id, site: _site, agent: _agent, scanId: _scanId, observedAt: _observedAt, transport: _transport, interface: _interface, ...sections } = observation;
  return sections;
}

export function validateObservation(observation: Observation): void {
  const valid =
    typeof observation === 'object' &&
    observation !== null &&
    typeof observation.id === 'string' &&
    observation.id.length > 0 &&
    typeof observation.ip === 'string' &&
    typeof observation.source === 'string' &&
    typeof observation.site === 'string' &&
    typeof observation.agent === 'string' &&
    typeof observation.observedAt === 'string' &&
    (observation.port === undefined || Number.isInteger(observation.port));
  if (!valid) throw new CamauditError('CAMAUDIT_ERR_BAD_OBSERVATION', 'an observation needs id, site, agent, source, ip and observedAt');
}

function badRequest(message: string): CamauditError {
  return new CamauditError('CAMAUDIT_ERR_BAD_REQUEST', message);
}

function checkName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_NAME) throw badRequest(`${what} must be a non-empty string of at most ${MAX_NAME} characters`);
  return value;
}

/**
 * Checks a batch before anything is written: names, sizes, every observation's site and id. `idsComputedHere`: the
 * caller is this process and computed every id from the observation's content itself (camaudit import), so the
 * hash is not computed a second time; a batch that arrives over the API is always re-hashed.
 */
export function checkBatch(batch: IngestBatch, options: IngestOptions = {}): void {
  checkName(batch.site, 'site');
  checkName(batch.agent, 'agent');
  checkName(batch.scan?.id, 'scan.id');
  if (typeof batch.scan.startedAt !== 'string' || Number.isNaN(Date.parse(batch.scan.startedAt))) throw badRequest('scan.startedAt must be an ISO time');
  if (!Array.isArray(batch.observations) || batch.observations.length > MAX_BATCH_OBSERVATIONS) {
    throw badRequest(`a batch holds at most ${MAX_BATCH_OBSERVATIONS} observations`);
  }
  for (const observation of batch.observations) {
    validateObservation(observation);
    if (observation.site !== batch.site) throw badRequest(`observation ${observation.id} is of site "${observation.site}", in a batch of site "${batch.site}"`);
    if (!options.idsComputedHere && observationId(observation.site, sectionsOf(observation)) !== observation.id) {
      throw new CamauditError('CAMAUDIT_ERR_BAD_OBSERVATION', `observation ${observation.id}: its id is not the hash of its content`);
    }
  }
}

function multiRowInsert(table: string, columns: readonly string[], rows: number, conflict: string): string {
  const row = `(${placeholders(columns.length)})`;
  const single = insertSql(table, columns, '');
  // The single-row VALUES (...) at the end becomes one per row (string slicing, not a backtracking regex).
  return `${single.slice(0, single.lastIndexOf('VALUES ('))}VALUES ${Array.from({ length: rows }, () => row).join(', ')} ${conflict}`;
}

export function createIngest(context: IngestContext) {
  const { db, now, log } = context;

  return async function ingestBatch(batch: IngestBatch, options: IngestOptions = {}): Promise<IngestResult> {
    checkBatch(batch, options);
    const scanId = batch.scan.id;
    // One row per id: a batch may repeat an observation (two probes saw the same thing). The first sighting is kept,
    // as it is when the repeat comes in a later batch (or to recordObservation): a Map built from the list kept the
    // last one's time, so a pushed scan could be grouped in another order than the same scan recorded here.
    const firstOfId = new Map<string, Observation>();
    for (const observation of batch.observations) if (!firstOfId.has(observation.id)) firstOfId.set(observation.id, observation);
    const unique = [...firstOfId.values()];
    const at = now();
    const { stored, scan } = await db.transaction(async (tx) => {
      await tx.run(SQL.insertScan, [
        scanId,
        batch.site,
        batch.agent,
        JSON.stringify(batch.scan.scope ?? {}),
        JSON.stringify(batch.scan.channels ?? []),
        batch.scan.startedAt,
        null,
        'running',
        '{}',
        '[]',
        `${context.pushRunnerPrefix}${batch.agent}`,
        // A pushed scan's writer is its agent, elsewhere: no heartbeat here.
        null,
      ]);
      const scanRow = (await tx.get<ScanRow>(SQL.selectScan, [scanId]))!;
      if (scanRow.site !== batch.site) throw new CamauditError('CAMAUDIT_ERR_FORBIDDEN', `scan ${scanId} belongs to another site`);
      let storedCount = 0;
      for (let start = 0; start < unique.length; start += ROWS_PER_INSERT) {
        const chunk = unique.slice(start, start + ROWS_PER_INSERT);
        const observationValues: SqlValue[] = [];
        const sightingValues: SqlValue[] = [];
        for (const observation of chunk) {
          observationValues.push(...observationRow(scanId, observation));
          sightingValues.push(scanId, observation.id, observation.agent, observation.observedAt);
        }
        storedCount += await tx.run(multiRowInsert('observations', OBSERVATION_COLUMNS, chunk.length, 'ON CONFLICT (id) DO NOTHING'), observationValues);
        await tx.run(multiRowInsert('observation_sightings', SIGHTING_COLUMNS, chunk.length, 'ON CONFLICT (scan_id, observation_id) DO NOTHING'), sightingValues);
      }
      await tx.run(
        `INSERT INTO sites (name, agent, agent_version, last_push_at, scan_every_s, first_seen) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET agent = excluded.agent, agent_version = excluded.agent_version,
           last_push_at = excluded.last_push_at, scan_every_s = COALESCE(excluded.scan_every_s, sites.scan_every_s)`,
        [batch.site, batch.agent, batch.agentVersion ?? null, at, batch.scanEverySeconds ?? null, at],
      );
      return { stored: storedCount, scan: scanRow };
    });
    let scanStatus = scan.status as IngestResult['scanStatus'];
    if (batch.finish && scanStatus === 'running') {
      scanStatus = (await context.finish(scanId, batch.finish)).status;
    }
    log.info({ scanId, site: batch.site, agent: batch.agent, stored, duplicates: unique.length - stored, scanStatus }, 'batch ingested');
    return { scanId, stored, duplicates: unique.length - stored, scanStatus };
  };
}
