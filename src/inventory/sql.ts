// The one seam between the inventory and its database engine. Every query is written once, with `?` placeholders,
// in SQL that SQLite and PostgreSQL both run; each adapter binds it its own way (better-sqlite3 runs it as is,
// node-postgres gets `$1, $2, …`). The interface is asynchronous because PostgreSQL is; SQLite answers at once.

export type SqlValue = string | number | null;
export type Dialect = 'sqlite' | 'postgres';

export interface SqlRunner {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a statement that returns no rows; resolves with the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDatabase extends SqlRunner {
  /**
   * Runs `work` in one transaction that writes (SQLite: BEGIN IMMEDIATE; PostgreSQL: one pooled connection), commits
   * when it resolves and rolls back when it throws. `work` must use the runner it is given, never the database.
   */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `?, ?, …`: `count` bound parameters, for a VALUES row or an `IN (…)` list. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

/**
 * A non-empty list of values for an `IN (…)` of `size` placeholders, padded with its last value again: IN ignores
 * the repeats, and one prepared statement serves every read, however many values a read has.
 */
export function paddedTo(values: readonly string[], size: number): string[] {
  return [...values, ...Array.from({ length: size - values.length }, () => values[values.length - 1]!)];
}

/** `INSERT INTO table (a, b) VALUES (?, ?)` from a record's keys, in their order. */
export function insertSql(table: string, columns: readonly string[], conflict = ''): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders(columns.length)})${conflict ? ` ${conflict}` : ''}`;
}

/** `?` → `$1, $2, …` for PostgreSQL; the inventory's SQL never holds a `?` inside a string literal. */
export function numberedPlaceholders(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}
