import pg from 'pg';
import { CamauditError } from '../errors.js';
import { MIGRATIONS, migrationSql } from './schema.js';
import { numberedPlaceholders, type SqlDatabase, type SqlRunner, type SqlValue } from './sql.js';

// PostgreSQL through node-postgres (`pg`): a pool of connections; a transaction takes one connection for itself.
// Migrations run at open inside one transaction under an advisory lock, so two servers starting at once against
// the same database apply each migration once; running them again finds nothing to do.

// Arbitrary, fixed: the advisory lock key camaudit's migrations take (pg_advisory_xact_lock).
const MIGRATION_LOCK_KEY = 7370_0001;

export interface PostgresOptions {
  /** Connections in the pool (API readers and ingest writers share it). */
  poolSize?: number;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

function runnerOf(client: pg.Pool | pg.PoolClient): SqlRunner {
  const placeholders = new Map<string, string>();
  const text = (sql: string): string => {
    let converted = placeholders.get(sql);
    if (converted === undefined) {
      converted = numberedPlaceholders(sql);
      placeholders.set(sql, converted);
    }
    return converted;
  };
  const query = async <T>(sql: string, params: readonly SqlValue[]) => client.query<T & pg.QueryResultRow>(text(sql), params as SqlValue[]);
  return {
    dialect: 'postgres',
    all: async <T>(sql: string, params: readonly SqlValue[] = []) => (await query<T>(sql, params)).rows as T[],
    get: async <T>(sql: string, params: readonly SqlValue[] = []) => (await query<T>(sql, params)).rows[0] as T | undefined,
    run: async (sql: string, params: readonly SqlValue[] = []) => (await query(sql, params)).rowCount ?? 0,
  };
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<SqlDatabase> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  // An idle connection that the server drops (restart, network) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (error instanceof CamauditError) throw error;
    throw new CamauditError('CAMAUDIT_ERR_DB', `cannot open the inventory at ${redactUrl(url)}: ${(error as Error).message}`, { cause: error });
  }
  const direct = runnerOf(pool);
  let closed = false;
  return {
    ...direct,
    async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(runnerOf(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

async function migratePostgres(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS camaudit_schema (version INTEGER NOT NULL)');
    const row = (await client.query<{ version: number }>('SELECT version FROM camaudit_schema')).rows[0];
    if (!row) await client.query('INSERT INTO camaudit_schema (version) VALUES (0)');
    const current = row?.version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new CamauditError('CAMAUDIT_ERR_DB', `the inventory has schema version ${current}, newer than this camaudit (${MIGRATIONS.length})`);
    }
    for (let version = current; version < MIGRATIONS.length; version += 1) {
      await client.query(migrationSql(version, 'postgres'));
      await client.query('UPDATE camaudit_schema SET version = $1', [version + 1]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
