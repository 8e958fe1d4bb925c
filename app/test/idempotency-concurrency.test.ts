import { randomUUID } from 'node:crypto';
import { countTransactions } from './support/database';
import { readJson, useServiceWithDatabase } from './support/service';

const running = useServiceWithDatabase();

test('20 concurrent requests with the same key create exactly one row and all return it', async () => {
  const key = `concurrent-${randomUUID()}`;
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => running.api.post({ amount: '42.00', currency: 'USD' }, key)),
  );
  const bodies = await Promise.all(responses.map((res) => readJson(res)));
  const statuses = responses.map((res) => res.status).sort();

  expect(statuses.filter((s) => s === 201)).toHaveLength(1);
  expect(statuses.filter((s) => s === 200)).toHaveLength(19);
  expect(new Set(bodies.map((body) => body.id)).size).toBe(1);
  expect(await countTransactions(running.pool)).toBe(1);
});

test('concurrent requests with the same key but different bodies: one wins, the others get 422', async () => {
  const key = `race-${randomUUID()}`;
  const responses = await Promise.all(
    Array.from({ length: 10 }, (_, i) => running.api.post({ amount: `${i + 1}.00`, currency: 'USD' }, key)),
  );
  const statuses = responses.map((res) => res.status);
  expect(statuses.filter((s) => s === 201)).toHaveLength(1);
  expect(statuses.filter((s) => s === 422)).toHaveLength(9);
  const { rows } = await running.pool.query('SELECT count(*)::int AS n FROM transactions WHERE client_idempotency_key = $1', [key]);
  expect(rows[0].n).toBe(1);
});

test('20 concurrent requests with distinct keys create 20 rows', async () => {
  const before = await countTransactions(running.pool);
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => running.api.post({ amount: '1.00', currency: 'EUR' }, `distinct-${randomUUID()}`)),
  );
  expect(responses.every((res) => res.status === 201)).toBe(true);
  expect(await countTransactions(running.pool)).toBe(before + 20);
});
