import type { SqlRunner } from './sql.js';

// A first import of many devices inserts each device row into every index of `devices` (more than twenty: one per
// sortable column, for the planning page), one random page of each per row; at 100,000 devices that was most of
// the import's time. When a merge is about to add at least as many rows as the table holds, those indexes are
// dropped inside the merge's transaction and built again from the finished table before it commits: SQLite builds
// an index from a sort, far cheaper than as many single inserts. The transaction makes it atomic (a failed or
// killed merge rolls back to the old indexes; readers keep their snapshot with the old ones). SQLite only:
// PostgreSQL's DROP INDEX locks the table against every reader for as long as the merge runs.

/**
 * Indexes of `devices` that the merge's own queries read (statements.ts: devicesAtAddress and devicesAtChannel by
 * origin site and address, directDevicesOfScanAt by address): kept, so that the merge's plans, and the order of
 * the rows they return, are the same whether or not the others are deferred.
 */
export const INDEXES_THE_MERGE_READS: ReadonlySet<string> = new Set(['devices_origin_ip', 'devices_sort_ip']);

/** Fewer incoming observations than this: the inserts cost less than a rebuild however small the table. */
export const MIN_DEFERRED_OBSERVATIONS = 2000;

/**
 * Whether a merge of `incoming` observations into a table of about `existingRows` devices should defer the indexes:
 * when the table would at least double (a rebuild reads the whole table, so a small scan into a large inventory
 * keeps inserting).
 */
export function shouldDeferIndexes(incoming: number, existingRows: number): boolean {
  return incoming >= MIN_DEFERRED_OBSERVATIONS && incoming >= existingRows;
}

/**
 * Drops the deferrable indexes of `devices` when the merge is a bulk load (see shouldDeferIndexes), inside the
 * caller's transaction; returns what builds them again, to run before that transaction commits.
 */
export async function deferDeviceIndexes(tx: SqlRunner, incoming: number): Promise<() => Promise<void>> {
  const nothing = async (): Promise<void> => undefined;
  if (tx.dialect !== 'sqlite' || incoming < MIN_DEFERRED_OBSERVATIONS) return nothing;
  // The largest rowid: the row count or more (deleted rows leave gaps), read from the end of the table's b-tree.
  const existing = Number((await tx.get<{ rows: number | null }>('SELECT MAX(rowid) AS rows FROM devices'))?.rows ?? 0);
  if (!shouldDeferIndexes(incoming, existing)) return nothing;
  // Indexes that SQL created (a primary key's or a UNIQUE constraint's own index has no sql) and that enforce nothing.
  const deferred = (
    await tx.all<{ name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'devices' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name",
    )
  ).filter((index) => !INDEXES_THE_MERGE_READS.has(index.name));
  for (const index of deferred) await tx.run(`DROP INDEX ${quoteName(index.name)}`);
  return async () => {
    for (const index of deferred) await tx.run(index.sql);
  };
}

function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
