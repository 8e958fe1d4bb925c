import { randomUUID } from 'node:crypto';
import { createMigratedDatabase } from './support/database';
import { checkExpandContract, ExpandContractContext } from '../src/db/expand-contract';
import { Migration, MIGRATIONS, RETIRED_SCHEMA_OBJECTS, runMigrations } from '../src/db/migrations';
import { TRANSACTION_SQL } from '../src/transactions/repository';

/** What this release's code runs: the statements of the repository. */
const SERVICE_SQL = Object.values(TRANSACTION_SQL);
const CONTEXT: ExpandContractContext = { retired: RETIRED_SCHEMA_OBJECTS, serviceSql: SERVICE_SQL };

const next = (sql: string, extra: Partial<Migration> = {}): Migration[] =>
  [...MIGRATIONS, { id: MIGRATIONS.length + 1, name: 'fixture', sql, ...extra }];

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
    expect(problems[0]).toContain('migration 2 (fixture): "');
    expect(problems[0]).toContain(`${action}, which the previous release may still read`);
    expect(problems[0]).toContain('app/README.md, "Schema changes: expand, then contract"');
  });

  test('adding a NOT NULL column without DEFAULT breaks the previous release\'s inserts, whatever is declared', () => {
    const problems = checkExpandContract(next('ALTER TABLE transactions ADD COLUMN merchant text NOT NULL',
      { contracts: ['transactions.merchant'] }), CONTEXT);
    expect(problems).toEqual([
      'migration 2 (fixture): "alter table transactions add column merchant text not null" adds transactions.merchant NOT NULL without DEFAULT: '
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
    expect(checkExpandContract(migrations, { ...CONTEXT, retired: [{ ...legacy, retiredAfterMigration: 2 }] })).toEqual([
      expect.stringContaining('retired only after migration 2: the contract must be a later migration'),
    ]);
  });

  test('fail when this release still reads the column, even if declared and retired', () => {
    const migrations = next('ALTER TABLE transactions DROP COLUMN description', { contracts: ['transactions.description'] });
    const retired = [{ name: 'transactions.description', retiredAfterMigration: 1, reason: 'wrongly retired' }];
    const problems = checkExpandContract(migrations, { ...CONTEXT, retired });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^retired transactions.description is still used by the service: "insert into transactions/);
    expect(problems[1]).toMatch(/^migration 2 \(fixture\): contract step on transactions.description, which this release still uses/);
  });

  test('a declaration without a matching statement is refused (it would hide a later mistake)', () => {
    expect(checkExpandContract(next('CREATE TABLE audit (id int)', { contracts: ['transactions.legacy_note'] }), { ...CONTEXT, retired: [legacy] })).toEqual([
      'migration 2 (fixture): declares contracts: [\'transactions.legacy_note\'] but does not drop, rename or retype it; remove the declaration',
    ]);
  });
});

describe('why (a real PostgreSQL): the previous release runs against the next schema during a rollout', () => {
  test('after an expand step its statements still work; after dropping a column it reads they fail', async () => {
    const { pool } = await createMigratedDatabase();
    try {
      const previousRelease = async (): Promise<void> => {
        const key = `ec-${randomUUID()}`;
        await pool.query(TRANSACTION_SQL.insert, [randomUUID(), key, 'f'.repeat(64), 100, 'USD', 'x']);
        await pool.query(TRANSACTION_SQL.byIdempotencyKey, [key]);
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
