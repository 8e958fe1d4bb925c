import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { RetiredSchemaObject } from './expand-contract';

/**
 * One forward-only schema change. Never edit an applied migration: add a new one. Migrations are
 * expand/contract (src/db/expand-contract.ts, checked by test/expand-contract.test.ts): the
 * previous release keeps running against the new schema during a rollout or a rollback.
 */
export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sql: string;
  /**
   * The tables (`table`) and columns (`table.column`) this migration drops, renames or retypes:
   * a contract step, allowed only for objects in RETIRED_SCHEMA_OBJECTS (their readers were
   * removed by an earlier release).
   * @default none: the migration only expands (adds tables, nullable or defaulted columns, indexes)
   */
  readonly contracts?: readonly string[];
}

/** The schema, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'create_transactions',
    sql: `
      CREATE TABLE transactions (
        id                  uuid         PRIMARY KEY,
        idempotency_key     varchar(128) NOT NULL,
        request_fingerprint char(64)     NOT NULL,
        amount_minor        bigint       NOT NULL CHECK (amount_minor > 0),
        currency            char(3)      NOT NULL,
        description         varchar(140),
        created_at          timestamptz  NOT NULL DEFAULT now(),
        CONSTRAINT transactions_idempotency_key_unique UNIQUE (idempotency_key)
      )`,
  },
  {
    // Per-client data (issue 32), an expand step: each row gets its owner (the client_id of the
    // token that created it) and its Idempotency-Key in a new column that is unique per owner. The
    // global key column stays, with its unique constraint, for the previous release (its INSERT
    // says ON CONFLICT (idempotency_key), which needs exactly that constraint): this release no
    // longer writes it, and a random default keeps it unique. Rows stored before authentication
    // belong to LEGACY_OWNER (src/auth/auth-config.ts; written as a literal, as an applied
    // migration never changes), which no client can be: nobody can prove which caller made them,
    // so no caller may read them. The contract step, in a later release, once no task of the
    // previous release can run any more: copy the key of the rows the previous release wrote
    // during the rollout (`UPDATE transactions SET client_idempotency_key = idempotency_key WHERE
    // client_idempotency_key IS NULL`), then drop transactions.idempotency_key (retired below).
    id: 2,
    name: 'transactions_per_client',
    sql: `
      ALTER TABLE transactions
        ADD COLUMN client_id              varchar(128) NOT NULL DEFAULT 'legacy:unauthenticated',
        ADD COLUMN client_idempotency_key varchar(128);
      ALTER TABLE transactions ALTER COLUMN idempotency_key SET DEFAULT gen_random_uuid()::text;
      UPDATE transactions SET client_idempotency_key = idempotency_key WHERE client_idempotency_key IS NULL;
      CREATE UNIQUE INDEX transactions_client_idempotency_key_unique ON transactions (client_id, client_idempotency_key)`,
  },
];

/**
 * The migrations not yet recorded in `schema_migrations` (all of them when the table does not
 * exist). Read-only: a reader region uses it to report a schema its writer has not migrated yet.
 */
export async function pendingMigrations(pool: Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const { rows: [table] } = await pool.query<{ exists: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS exists");
  const { rows } = table?.exists
    ? await pool.query<{ id: number }>('SELECT id FROM schema_migrations')
    : { rows: [] };
  const done = new Set(rows.map((row) => row.id));
  return migrations.map((m) => m.id).filter((id) => !done.has(id));
}

/**
 * Tables and columns the service no longer reads or writes, oldest first (see
 * RetiredSchemaObject). Add an entry in the release that removes the last reader; drop the
 * object in a later release's migration that names it in `contracts`.
 */
export const RETIRED_SCHEMA_OBJECTS: readonly RetiredSchemaObject[] = [
  {
    name: 'transactions.idempotency_key',
    retiredAfterMigration: 2,
    reason: 'per-client idempotency keys (issue 32): the service reads and writes client_idempotency_key; the global column only keeps the previous release working during a rollout or a rollback',
  },
];

/** Arbitrary constant: the advisory lock that serialises migrations across tasks. */
const MIGRATION_LOCK_KEY = 727_001_001;

/**
 * Applies the migrations that are not yet recorded in `schema_migrations`, each in its own
 * transaction, under a session advisory lock so that two tasks starting together never race.
 * Safe to run any number of times.
 *
 * @returns the ids of the migrations applied by this call (empty when up to date)
 */
export async function runMigrations(
  pool: Pool,
  logger?: Logger,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`
        CREATE TABLE IF NOT EXISTS schema_migrations (
          id         integer     PRIMARY KEY,
          name       text        NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`);
      const { rows } = await client.query<{ id: number }>('SELECT id FROM schema_migrations');
      const done = new Set(rows.map((row) => row.id));
      for (const migration of migrations) {
        if (done.has(migration.id)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [migration.id, migration.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
        applied.push(migration.id);
        logger?.info({ migration: migration.name }, 'applied migration');
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
  return applied;
}
