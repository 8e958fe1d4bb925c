import { randomUUID } from 'node:crypto';
import { createMigratedDatabase, createTestDatabase, silentLogger } from './support/database';
import { checkExpandContract, ExpandContractContext } from '../src/db/expand-contract';
import { Migration, MIGRATIONS, RETIRED_SCHEMA_OBJECTS, runMigrations } from '../src/db/migrations';
import { createPool } from '../src/db/pool';
import { TRANSACTION_SQL } from '../src/transactions/repository';

/** What this release's code runs: the statements of the repository. */
const SERVICE_SQL = Object.values(TRANSACTION_SQL);
const CONTEXT: ExpandContractContext = { retired: RETIRED_SCHEMA_OBJECTS, serviceSql: SERVICE_SQL };

/** The id of a fixture migration: the next after the repository's. */
const NEXT_ID = MIGRATIONS.length + 1;
const FIXTURE = `migration ${NEXT_ID} (fixture)`;
const next = (sql: string, extra: Partial<Migration> = {}): Migration[] =>
  [...MIGRATIONS, { id: NEXT_ID, name: 'fixture', sql, ...extra }];

test('the repository\'s migrations are expand/contract safe', () => {
  expect(checkExpandContract(MIGRATIONS, CONTEXT)).toEqual([]);
});

describe('expand steps pass', () => {
  test.each([
    ['a nullable column', 'ALTER TABLE transactions ADD COLUMN merchant varchar(64)'],
    ['a NOT NULL column with a DEFAULT', 'ALTER TABLE transactions ADD COLUMN IF NOT EXISTS channel text NOT NULL DEFAULT \'api\''],
    ['a new table and an index', 'CREATE TABLE refunds (id uuid PRIMARY KEY); CREATE INDEX transactions_created_at ON transactions (created_at)'],
    ['dropping a constraint or a default', 'ALTER TABLE transactions DROP CONSTRAINT IF EXISTS c, ALTER COLUMN description DROP DEFAULT'],
    ['a comment that mentions DROP COLUMN', '-- never: ALTER TABLE transactions DROP COLUMN description\nCREATE TABLE audit (id int)'],
  ])('%s', (_name, sql) => {
    expect(checkExpandContract(next(sql), CONTEXT)).toEqual([]);
  });
});

describe('a migration that breaks what the previous release reads is refused', () => {
  test.each([
    ['drops a column it reads', 'ALTER TABLE transactions DROP COLUMN description', 'drops column transactions.description'],
    ['drops a column (no COLUMN keyword, quoted, qualified)', 'alter table only public."transactions" drop if exists "currency" cascade', 'drops column transactions.currency'],
    ['renames a column', 'ALTER TABLE transactions RENAME COLUMN description TO memo', 'renames column transactions.description'],
    ['renames a column (no COLUMN keyword)', 'ALTER TABLE transactions RENAME amount_minor TO amount_cents', 'renames column transactions.amount_minor'],
    ['renames the table', 'ALTER TABLE transactions RENAME TO payments', 'renames table transactions'],
    ['drops the table', 'DROP TABLE IF EXISTS transactions CASCADE', 'drops table transactions'],
    ['changes a column type', 'ALTER TABLE transactions ALTER COLUMN amount_minor TYPE numeric(20, 2)', 'changes the type of transactions.amount_minor'],
    ['changes a type among other actions', 'ALTER TABLE transactions ADD COLUMN x int, ALTER currency SET DATA TYPE text', 'changes the type of transactions.currency'],
  ])('%s', (_name, sql, action) => {
    const problems = checkExpandContract(next(sql), CONTEXT);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${FIXTURE}: "`);
    expect(problems[0]).toContain(`${action}, which the previous release may still read`);
    expect(problems[0]).toContain('app/README.md, "Schema changes: expand, then contract"');
  });

  test('adding a NOT NULL column without DEFAULT breaks the previous release\'s inserts, whatever is declared', () => {
    const problems = checkExpandContract(next('ALTER TABLE transactions ADD COLUMN merchant text NOT NULL',
      { contracts: ['transactions.merchant'] }), CONTEXT);
    expect(problems).toEqual([
      `${FIXTURE}: "alter table transactions add column merchant text not null" adds transactions.merchant NOT NULL without DEFAULT: `
        + 'the previous release\'s INSERTs do not set it and would fail; add it nullable or with a DEFAULT (app/README.md, "Schema changes: expand, then contract")',
    ]);
  });
});

describe('contract steps', () => {
  /** A legacy column that release N stopped using (its readers are gone from TRANSACTION_SQL). */
  const legacy = { name: 'transactions.legacy_note', retiredAfterMigration: 1, reason: 'readers removed in release N' };

  test('pass when declared, retired by an earlier schema version, and unused by this release', () => {
    const migrations = next('ALTER TABLE transactions DROP COLUMN legacy_note', { contracts: ['transactions.legacy_note'] });
    expect(checkExpandContract(migrations, { ...CONTEXT, retired: [legacy] })).toEqual([]);
  });

  test('fail when the object was never retired', () => {
    const migrations = next('ALTER TABLE transactions DROP COLUMN legacy_note', { contracts: ['transactions.legacy_note'] });
    expect(checkExpandContract(migrations, CONTEXT)).toEqual([
      expect.stringContaining('contract step on transactions.legacy_note, but transactions.legacy_note is not in the retired list'),
    ]);
  });

  test('fail when the retirement is not older than the contract migration (same release)', () => {
    const migrations = next('ALTER TABLE transactions DROP COLUMN legacy_note', { contracts: ['transactions.legacy_note'] });
    expect(checkExpandContract(migrations, { ...CONTEXT, retired: [{ ...legacy, retiredAfterMigration: NEXT_ID }] })).toEqual([
      expect.stringContaining(`retired only after migration ${NEXT_ID}: the contract must be a later migration`),
    ]);
  });

  test('fail when this release still reads the column, even if declared and retired', () => {
    const migrations = next('ALTER TABLE transactions DROP COLUMN description', { contracts: ['transactions.description'] });
    const retired = [{ name: 'transactions.description', retiredAfterMigration: 1, reason: 'wrongly retired' }];
    const problems = checkExpandContract(migrations, { ...CONTEXT, retired });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^retired transactions.description is still used by the service: "insert into transactions/);
    expect(problems[1]).toMatch(new RegExp(`^migration ${NEXT_ID} \\(fixture\\): contract step on transactions.description, which this release still uses`));
  });

  test('a declaration without a matching statement is refused (it would hide a later mistake)', () => {
    expect(checkExpandContract(next('CREATE TABLE audit (id int)', { contracts: ['transactions.legacy_note'] }), { ...CONTEXT, retired: [legacy] })).toEqual([
      `${FIXTURE}: declares contracts: ['transactions.legacy_note'] but does not drop, rename or retype it; remove the declaration`,
    ]);
  });
});

describe('why (a real PostgreSQL): the previous release runs against the next schema during a rollout', () => {
  test('after an expand step its statements still work; after dropping a column it reads they fail', async () => {
    const { pool } = await createMigratedDatabase();
    try {
      const previousRelease = async (): Promise<void> => {
        const key = `ec-${randomUUID()}`;
        await pool.query(TRANSACTION_SQL.insert, [randomUUID(), 'client-a', key, 'f'.repeat(64), 100, 'USD', 'x']);
        await pool.query(TRANSACTION_SQL.byIdempotencyKey, ['client-a', key]);
      };
      const expand = next('ALTER TABLE transactions ADD COLUMN merchant text NOT NULL DEFAULT \'\'');
      expect(checkExpandContract(expand, CONTEXT)).toEqual([]);
      await runMigrations(pool, undefined, expand);
      await expect(previousRelease()).resolves.toBeUndefined();

      const drop = [...expand, { id: expand.length + 1, name: 'drop_description', sql: 'ALTER TABLE transactions DROP COLUMN description' }];
      expect(checkExpandContract(drop, CONTEXT)).not.toEqual([]);
      await runMigrations(pool, undefined, drop);
      await expect(previousRelease()).rejects.toMatchObject({ code: '42703' }); // undefined_column
    } finally {
      await pool.end();
    }
  });
});

describe('per-client idempotency keys (migration 2) on a real PostgreSQL: the release before it keeps working', () => {
  /** The statements of the release before authentication (migration 1's schema), verbatim. */
  const RELEASE_1_SQL = {
    insert: `INSERT INTO transactions (id, idempotency_key, request_fingerprint, amount_minor, currency, description)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id`,
    byIdempotencyKey: 'SELECT id, idempotency_key FROM transactions WHERE idempotency_key = $1',
  };
  const fingerprint = 'f'.repeat(64);

  test('after migration 2, the previous release inserts, replays and reads by key as before; its rows belong to no client', async () => {
    const pool = createPool(await createTestDatabase(), silentLogger);
    try {
      await runMigrations(pool, undefined, MIGRATIONS.slice(0, 1));
      const before = randomUUID();
      await pool.query(RELEASE_1_SQL.insert, [before, 'order-1001', fingerprint, 100, 'USD', null]);
      await runMigrations(pool);

      // A rollout or a rollback: the previous release runs against the new schema.
      const during = randomUUID();
      expect((await pool.query(RELEASE_1_SQL.insert, [during, 'order-1002', fingerprint, 200, 'EUR', null])).rows).toEqual([{ id: during }]);
      expect((await pool.query(RELEASE_1_SQL.insert, [randomUUID(), 'order-1002', fingerprint, 200, 'EUR', null])).rows).toEqual([]);
      expect((await pool.query(RELEASE_1_SQL.byIdempotencyKey, ['order-1002'])).rows).toEqual([{ id: during, idempotency_key: 'order-1002' }]);

      // This release: the same keys are free for every client; the rows of before belong to the legacy owner.
      const created = await pool.query(TRANSACTION_SQL.insert, [randomUUID(), 'client-a', 'order-1001', fingerprint, 300, 'USD', null]);
      expect(created.rows).toHaveLength(1);
      expect((await pool.query(TRANSACTION_SQL.byId, [before, 'client-a'])).rows).toEqual([]);
      const { rows } = await pool.query('SELECT id, client_id, client_idempotency_key FROM transactions WHERE id = ANY($1) ORDER BY amount_minor', [[before, during]]);
      // Rows stored before migration 2 got their key copied; rows the previous release writes
      // after it keep theirs only in the old column until the contract step copies it.
      expect(rows).toEqual([
        { id: before, client_id: 'legacy:unauthenticated', client_idempotency_key: 'order-1001' },
        { id: during, client_id: 'legacy:unauthenticated', client_idempotency_key: null },
      ]);
      // This release's rows hold a random value in the global column: the previous release never collides with them.
      const { rows: [mine] } = await pool.query('SELECT idempotency_key FROM transactions WHERE id = $1', [created.rows[0].id]);
      expect(mine.idempotency_key).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await pool.end();
    }
  });

  test('why the global unique constraint stays until a later release: without it the previous release\'s INSERT fails (42P10)', async () => {
    const { pool } = await createMigratedDatabase();
    try {
      await pool.query('ALTER TABLE transactions DROP CONSTRAINT transactions_idempotency_key_unique');
      await expect(pool.query(RELEASE_1_SQL.insert, [randomUUID(), `ec-${randomUUID()}`, fingerprint, 100, 'USD', null]))
        .rejects.toMatchObject({ code: '42P10' }); // no unique constraint matching the ON CONFLICT specification
    } finally {
      await pool.end();
    }
  });

  test('the planned contract step (a later release: copy the remaining keys, drop the global column) passes the rule, and this release keeps working after it', async () => {
    const contract = next(
      'UPDATE transactions SET client_idempotency_key = idempotency_key WHERE client_idempotency_key IS NULL; ALTER TABLE transactions DROP COLUMN idempotency_key',
      { contracts: ['transactions.idempotency_key'] },
    );
    expect(checkExpandContract(contract, CONTEXT)).toEqual([]);
    const { pool } = await createMigratedDatabase();
    try {
      await runMigrations(pool, undefined, contract);
      const id = randomUUID();
      await pool.query(TRANSACTION_SQL.insert, [id, 'client-a', 'order-1', fingerprint, 100, 'USD', null]);
      expect((await pool.query(TRANSACTION_SQL.byIdempotencyKey, ['client-a', 'order-1'])).rows).toHaveLength(1);
      expect((await pool.query(TRANSACTION_SQL.byId, [id, 'client-a'])).rows).toHaveLength(1);
    } finally {
      await pool.end();
    }
  });
});
