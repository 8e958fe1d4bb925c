import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPool } from '../src/db/pool';
import type { RunningService } from '../src/service';
import { countTransactions, createTestDatabase, silentLogger } from './support/database';
import { postTransaction, readJson, startTestService } from './support/service';

let service: RunningService;
let pool: Pool;

beforeAll(async () => {
  const database = await createTestDatabase();
  service = await startTestService(database);
  pool = createPool(database, silentLogger);
});
afterAll(async () => {
  await service.shutdown();
  await pool.end();
});

test('20 concurrent requests with the same key create exactly one row and all return it', async () => {
  const key = `concurrent-${randomUUID()}`;
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => postTransaction(service.url, { amount: '42.00', currency: 'USD' }, key)),
  );
  const bodies = await Promise.all(responses.map((res) => readJson(res)));
  const statuses = responses.map((res) => res.status).sort();

  expect(statuses.filter((s) => s === 201)).toHaveLength(1);
  expect(statuses.filter((s) => s === 200)).toHaveLength(19);
  expect(new Set(bodies.map((body) => body.id)).size).toBe(1);
  expect(await countTransactions(pool)).toBe(1);
});

test('concurrent requests with the same key but different bodies: one wins, the others get 422', async () => {
  const key = `race-${randomUUID()}`;
  const responses = await Promise.all(
    Array.from({ length: 10 }, (_, i) => postTransaction(service.url, { amount: `${i + 1}.00`, currency: 'USD' }, key)),
  );
  const statuses = responses.map((res) => res.status);
  expect(statuses.filter((s) => s === 201)).toHaveLength(1);
  expect(statuses.filter((s) => s === 422)).toHaveLength(9);
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM transactions WHERE idempotency_key = $1', [key]);
  expect(rows[0].n).toBe(1);
});

test('20 concurrent requests with distinct keys create 20 rows', async () => {
  const before = await countTransactions(pool);
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => postTransaction(service.url, { amount: '1.00', currency: 'EUR' }, `distinct-${randomUUID()}`)),
  );
  expect(responses.every((res) => res.status === 201)).toBe(true);
  expect(await countTransactions(pool)).toBe(before + 20);
});
