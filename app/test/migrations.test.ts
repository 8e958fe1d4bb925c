import type { Pool } from 'pg';
import { createTestDatabase, silentLogger } from './support/database';
import { createRole } from './support/read-only';
import { MIGRATIONS, pendingMigrations, runMigrations } from '../src/db/migrations';
import { createPool } from '../src/db/pool';

const pools: Pool[] = [];
async function freshPool(): Promise<Pool> {
  const database = await createTestDatabase();
  const pool = createPool(database, silentLogger);
  pools.push(pool);
  return pool;
}
afterAll(() => Promise.all(pools.map((pool) => pool.end())));

test('applies every migration once; a second run applies nothing', async () => {
  const pool = await freshPool();
  expect(await runMigrations(pool)).toEqual(MIGRATIONS.map((m) => m.id));
  expect(await runMigrations(pool)).toEqual([]);
  const { rows } = await pool.query('SELECT id, name FROM schema_migrations ORDER BY id');
  expect(rows).toEqual(MIGRATIONS.map(({ id, name }) => ({ id, name })));
});

test('tasks starting together do not race: the advisory lock lets exactly one apply', async () => {
  const database = await createTestDatabase();
  const first = createPool(database, silentLogger);
  pools.push(first);
  const others = Array.from({ length: 4 }, () => {
    const pool = createPool(database, silentLogger);
    pools.push(pool);
    return pool;
  });
  const results = await Promise.all([first, ...others].map((pool) => runMigrations(pool)));
  expect(results.flat()).toEqual(MIGRATIONS.map((m) => m.id));
  const { rows } = await first.query('SELECT count(*)::int AS n FROM schema_migrations');
  expect(rows[0].n).toBe(MIGRATIONS.length);
});

test('a failing migration is rolled back and not recorded', async () => {
  const pool = await freshPool();
  const broken = [...MIGRATIONS, { id: 999, name: 'broken', sql: 'CREATE TABLE half_done (id int); SELECT no_such_function()' }];
  await expect(runMigrations(pool, undefined, broken)).rejects.toThrow(/no_such_function/);
  const { rows } = await pool.query("SELECT to_regclass('half_done') AS t, (SELECT count(*)::int FROM schema_migrations WHERE id = 999) AS n");
  expect(rows[0]).toEqual({ t: null, n: 0 });
  // and the lock was released: a later run still works
  expect(await runMigrations(pool)).toEqual([]);
});

test('pendingMigrations (what a reader region reports, through a read-only session): all before the writer migrates, none after', async () => {
  const database = await createTestDatabase();
  const writer = createPool(database, silentLogger);
  pools.push(writer);
  const reader = createPool(await createRole(database, true), silentLogger);
  pools.push(reader);
  expect(await pendingMigrations(reader)).toEqual(MIGRATIONS.map((m) => m.id));
  await runMigrations(writer);
  await writer.query(`GRANT SELECT ON schema_migrations TO ${reader.options.user}`);
  expect(await pendingMigrations(reader)).toEqual([]);
  expect(await pendingMigrations(reader, [...MIGRATIONS, { id: 999, name: 'next', sql: 'SELECT 1' }])).toEqual([999]);
});
