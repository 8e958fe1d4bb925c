import { randomUUID } from 'node:crypto';
import { countTransactions } from './support/database';
import { ApiClient, readJson, useServiceWithDatabase } from './support/service';

/**
 * A transaction belongs to the client that created it (the `client_id` of its token): on a real
 * PostgreSQL, two clients share idempotency keys without colliding, and neither can read, or
 * learn of, the other's transactions.
 */
const running = useServiceWithDatabase();

let orders: ApiClient;
let billing: ApiClient;
beforeAll(async () => {
  orders = await running.as('orders');
  billing = await running.as('billing');
});

const payment = { amount: '12.50', currency: 'EUR', description: 'coffee' };

test('two clients use the same Idempotency-Key: two transactions, each client gets its own back', async () => {
  const key = `order-${randomUUID()}`;
  const before = await countTransactions(running.pool);
  const mine = await orders.post(payment, key);
  const theirs = await billing.post({ amount: '99.00', currency: 'USD' }, key);
  expect([mine.status, theirs.status]).toEqual([201, 201]);
  const [a, b] = [await readJson(mine), await readJson(theirs)];
  expect(a.id).not.toBe(b.id);
  expect(await countTransactions(running.pool)).toBe(before + 2);

  // Retries replay each client's own transaction; a different body is a conflict only within the client.
  const replay = await orders.post(payment, key);
  expect(replay.status).toBe(200);
  expect(await readJson(replay)).toEqual(a);
  expect((await billing.post({ amount: '99.00', currency: 'USD' }, key)).status).toBe(200);
  expect((await orders.post({ amount: '1.00', currency: 'EUR' }, key)).status).toBe(422);

  expect(await readJson(await orders.get(`/transactions/by-idempotency-key/${key}`))).toEqual(a);
  expect(await readJson(await billing.get(`/transactions/by-idempotency-key/${key}`))).toEqual(b);
  const { rows } = await running.pool.query(
    'SELECT id, client_id FROM transactions WHERE client_idempotency_key = $1 ORDER BY client_id', [key]);
  expect(rows).toEqual([{ id: b.id, client_id: 'billing' }, { id: a.id, client_id: 'orders' }]);
});

test('another client\'s transaction is a 404, exactly as one that does not exist (no existence leak)', async () => {
  const key = `order-${randomUUID()}`;
  const created = await readJson(await orders.post(payment, key));

  const byId = await billing.get(`/transactions/${created.id}`);
  expect(byId.status).toBe(404);
  expect(await readJson(byId)).toEqual({ error: 'not_found', field: 'id', message: `transaction ${created.id} does not exist` });
  const missingId = randomUUID();
  expect(await readJson(await billing.get(`/transactions/${missingId}`))).toEqual({ error: 'not_found', field: 'id', message: `transaction ${missingId} does not exist` });

  const byKey = await billing.get(`/transactions/by-idempotency-key/${key}`);
  expect(byKey.status).toBe(404);
  expect(await readJson(byKey)).toEqual({ error: 'not_found', field: 'key', message: `no transaction has idempotency key ${key}` });

  // The owner still reads it, by id and by key.
  expect((await orders.get(`/transactions/${created.id}`)).status).toBe(200);
  expect((await orders.get(`/transactions/by-idempotency-key/${key}`)).status).toBe(200);
});

test('concurrent creates by two clients with the same key: exactly one row each', async () => {
  const key = `race-${randomUUID()}`;
  const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? orders : billing).post(payment, key)));
  const statuses = responses.map((res) => res.status).sort();
  expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 201, 201]);
  const { rows } = await running.pool.query('SELECT client_id, count(*)::int AS n FROM transactions WHERE client_idempotency_key = $1 GROUP BY client_id ORDER BY client_id', [key]);
  expect(rows).toEqual([{ client_id: 'billing', n: 1 }, { client_id: 'orders', n: 1 }]);
});

test('rows stored before authentication (the legacy owner) are no client\'s: not readable by id or key, and their keys are free', async () => {
  const id = randomUUID();
  const key = `legacy-${randomUUID()}`;
  // As migration 2 leaves a row of the previous release: the default owner, the key copied.
  await running.pool.query(
    `INSERT INTO transactions (id, idempotency_key, client_idempotency_key, request_fingerprint, amount_minor, currency)
     VALUES ($1, $2, $2, $3, 100, 'USD')`, [id, key, 'f'.repeat(64)]);
  const { rows } = await running.pool.query('SELECT client_id FROM transactions WHERE id = $1', [id]);
  expect(rows).toEqual([{ client_id: 'legacy:unauthenticated' }]);
  for (const client of [orders, billing]) {
    expect((await client.get(`/transactions/${id}`)).status).toBe(404);
    expect((await client.get(`/transactions/by-idempotency-key/${key}`)).status).toBe(404);
  }
  expect((await orders.post(payment, key)).status).toBe(201);
});
