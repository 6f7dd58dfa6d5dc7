import Database from 'better-sqlite3';
import { CamauditError } from '../errors.js';
import { MIGRATIONS, migrationSql } from './schema.js';
import type { SqlDatabase, SqlRunner, SqlValue } from './sql.js';

// SQLite through better-sqlite3: synchronous calls behind the asynchronous interface. Statements are prepared once
// per SQL text. A transaction holds the connection: plain queries that arrive while one is open wait for it, so
// nothing outside the transaction can read its uncommitted rows or slip its own writes into it.

export interface SqliteOptions {
  busyTimeoutMs: number;
  /** The page cache in KiB (PRAGMA cache_size); better-sqlite3's default (16 MiB) when absent. */
  cacheKiB?: number;
}

export function openSqlite(path: string, options: SqliteOptions): SqlDatabase {
  let database: Database.Database;
  try {
    database = new Database(path, { timeout: options.busyTimeoutMs });
    // WAL + synchronous NORMAL: a committed transaction survives the process being killed (not a power cut,
    // which would need FULL); readers (the API) never block the scan writing.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    if (options.cacheKiB !== undefined) database.pragma(`cache_size = ${-Math.max(1, Math.floor(options.cacheKiB))}`);
  } catch (error) {
    throw new CamauditError('CAMAUDIT_ERR_DB', `cannot open the inventory at ${path}: ${(error as Error).message}`, { cause: error });
  }
  migrateSqlite(database, path);

  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = database.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const direct: SqlRunner = {
    dialect: 'sqlite',
    all: async <T>(sql: string, params: readonly SqlValue[] = []) => prepare(sql).all(...params) as T[],
    get: async <T>(sql: string, params: readonly SqlValue[] = []) => prepare(sql).get(...params) as T | undefined,
    run: async (sql: string, params: readonly SqlValue[] = []) => prepare(sql).run(...params).changes,
  };

  // The tail of the transaction queue; undefined while no transaction is open or waiting.
  let queue: Promise<unknown> | undefined;
  const afterTransactions = async <T>(work: () => Promise<T>): Promise<T> => {
    while (queue) await queue.catch(() => undefined);
    return work();
  };

  return {
    dialect: 'sqlite',
    all: (sql, params) => afterTransactions(() => direct.all(sql, params)),
    get: (sql, params) => afterTransactions(() => direct.get(sql, params)),
    run: (sql, params) => afterTransactions(() => direct.run(sql, params)),
    transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
      const previous = queue ?? Promise.resolve();
      const current = previous
        .catch(() => undefined)
        .then(async () => {
          database.exec('BEGIN IMMEDIATE');
          try {
            const result = await work(direct);
            database.exec('COMMIT');
            return result;
          } catch (error) {
            if (database.inTransaction) database.exec('ROLLBACK');
            throw error;
          }
        });
      queue = current;
      void current.then(
        () => (queue === current ? (queue = undefined) : undefined),
        () => (queue === current ? (queue = undefined) : undefined),
      );
      return current;
    },
    async close() {
      while (queue) await queue.catch(() => undefined);
      database.close();
    },
  };
}

function migrateSqlite(database: Database.Database, path: string): void {
  const current = Number(database.pragma('user_version', { simple: true }));
  if (current > MIGRATIONS.length) {
    database.close();
    throw new CamauditError('CAMAUDIT_ERR_DB', `the inventory at ${path} has schema version ${current}, newer than this camaudit (${MIGRATIONS.length})`);
  }
  for (let version = current; version < MIGRATIONS.length; version += 1) {
    const apply = database.transaction(() => {
      database.exec(migrationSql(version, 'sqlite'));
      database.pragma(`user_version = ${version + 1}`);
    });
    apply.immediate();
  }
}
