import type { Pool } from 'pg';
import { createPool } from '../src/db/pool';
import { DatabaseRoleMonitor, ROLE_CACHE_MS } from '../src/db/role';
import { DatabaseUnavailableError } from '../src/db/unavailable';
import { freePort } from '../tools/local-postgres';
import { createTestDatabase, silentLogger } from './support/database';
import { createRole } from './support/read-only';

/** A real pool that counts the statements it is asked to run. */
function counting(pool: Pool): { pool: Pool; statements: string[] } {
  const statements: string[] = [];
  const original = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    statements.push(String(args[0]));
    return original(...args);
  };
  return { pool, statements };
}

const pools: Pool[] = [];
afterAll(() => Promise.all(pools.map((pool) => pool.end())));

test('the role is asked once per cache interval, however many requests need it', async () => {
  const pool = createPool(await createTestDatabase(), silentLogger);
  pools.push(pool);
  const { statements } = counting(pool);
  const monitor = new DatabaseRoleMonitor(pool, { cacheMs: 300 });
  expect(await Promise.all(Array.from({ length: 20 }, () => monitor.role()))).toEqual(Array(20).fill('writer'));
  expect(statements).toEqual(['SHOW transaction_read_only']);
  await monitor.role();
  expect(statements).toHaveLength(1);
  await new Promise((resolve) => setTimeout(resolve, 350));
  await monitor.role();
  expect(statements).toHaveLength(2);
  // Health checks ask every time (concurrent ones share the question).
  await Promise.all([monitor.detect(), monitor.detect()]);
  expect(statements).toHaveLength(3);
  expect(ROLE_CACHE_MS).toBe(3_000); // the documented interval (app/README.md, "Regions")
});

test('a read-only session is a reader; markReadOnly turns a cached writer into a reader', async () => {
  const database = await createTestDatabase();
  const readerPool = createPool(await createRole(database, true), silentLogger);
  const writerPool = createPool(database, silentLogger);
  pools.push(readerPool, writerPool);
  expect(await new DatabaseRoleMonitor(readerPool).role()).toBe('reader');
  const monitor = new DatabaseRoleMonitor(writerPool);
  expect(await monitor.role()).toBe('writer');
  monitor.markReadOnly();
  expect(await monitor.role()).toBe('reader');
  expect(await monitor.detect()).toBe('writer'); // the database's answer wins at the next question
});

test('failures are not cached: an unreachable database is asked again at the next call', async () => {
  const pool = createPool({ host: '127.0.0.1', port: await freePort(), database: 'none', user: 'none', password: 'none', ssl: false }, silentLogger);
  pools.push(pool);
  const { statements } = counting(pool);
  const monitor = new DatabaseRoleMonitor(pool);
  await expect(monitor.role()).rejects.toBeInstanceOf(DatabaseUnavailableError);
  await expect(monitor.role()).rejects.toBeInstanceOf(DatabaseUnavailableError);
  expect(statements).toHaveLength(2);
});
