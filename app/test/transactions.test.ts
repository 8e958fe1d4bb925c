import { randomUUID } from 'node:crypto';
import { countTransactions } from './support/database';
import { readJson, useServiceWithDatabase } from './support/service';

const running = useServiceWithDatabase();

const key = (): string => `test-${randomUUID()}`;

describe('POST /transactions', () => {
  test('creates a transaction: 201, Location, canonical amount', async () => {
    const res = await running.api.post({ amount: '12.5', currency: 'EUR', description: 'coffee' }, key());
    expect(res.status).toBe(201);
    const body = await readJson(res);
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      amount: '12.50',
      currency: 'EUR',
      description: 'coffee',
      createdAt: expect.any(String),
    });
    expect(res.headers.get('location')).toBe(`/transactions/${body.id}`);
    expect(new Date(body.createdAt).toISOString()).toBe(body.createdAt);
  });

  test('JPY amounts are whole numbers; description is optional', async () => {
    const res = await running.api.post({ amount: '1000', currency: 'JPY' }, key());
    expect(res.status).toBe(201);
    expect(await readJson(res)).toMatchObject({ amount: '1000', currency: 'JPY', description: null });
  });

  test('a retry with the same key returns the original transaction (200, replayed) and adds no row', async () => {
    const k = key();
    const first = await running.api.post({ amount: '10.50', currency: 'USD' }, k);
    const before = await countTransactions(running.pool);
    // "10.5" means the same amount as "10.50": the same request.
    const retry = await running.api.post({ amount: '10.5', currency: 'USD' }, k);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await readJson(retry)).toEqual(await readJson(first));
    expect(await countTransactions(running.pool)).toBe(before);
  });

  test('the same key with a different body is 422 and changes nothing', async () => {
    const k = key();
    const first = await running.api.post({ amount: '5.00', currency: 'GBP' }, k);
    const original = await readJson(first);
    const before = await countTransactions(running.pool);
    const res = await running.api.post({ amount: '6.00', currency: 'GBP' }, k);
    expect(res.status).toBe(422);
    expect(await readJson(res)).toEqual({
      error: 'idempotency_key_reused',
      field: 'Idempotency-Key',
      message: 'Idempotency-Key was already used for a different request',
    });
    expect(await countTransactions(running.pool)).toBe(before);
    const stored = await running.api.get(`/transactions/${original.id}`);
    expect((await readJson(stored)).amount).toBe('5.00');
  });
});

describe('GET /transactions/:id', () => {
  test('returns a stored transaction', async () => {
    const created = await readJson(await running.api.post({ amount: '99.99', currency: 'USD' }, key()));
    const res = await running.api.get(`/transactions/${created.id}`);
    expect(res.status).toBe(200);
    expect(await readJson(res)).toEqual(created);
  });

  test('accepts an upper-case id', async () => {
    const created = await readJson(await running.api.post({ amount: '1.00', currency: 'USD' }, key()));
    const res = await running.api.get(`/transactions/${String(created.id).toUpperCase()}`);
    expect(res.status).toBe(200);
  });

  test('is 404 for an id that does not exist', async () => {
    const id = randomUUID();
    const res = await running.api.get(`/transactions/${id}`);
    expect(res.status).toBe(404);
    expect(await readJson(res)).toEqual({ error: 'not_found', field: 'id', message: `transaction ${id} does not exist` });
  });

  test.each(['123', 'not-a-uuid', `${randomUUID()}x`, "1' OR '1'='1"])('is 400 for the malformed id %j', async (id) => {
    const res = await running.api.get(`/transactions/${encodeURIComponent(id)}`);
    expect(res.status).toBe(400);
    expect(await readJson(res)).toEqual({ error: 'validation', field: 'id', message: 'id must be a UUID' });
  });
});

describe('GET /transactions/by-idempotency-key/:key', () => {
  test('200 with the same body as GET /transactions/:id, for keys up to 128 characters', async () => {
    for (const k of [key(), 'A'.repeat(128), 'ab:cd.ef_gh-1']) {
      const created = await readJson(await running.api.post({ amount: '3.10', currency: 'GBP' }, k));
      const res = await running.api.get(`/transactions/by-idempotency-key/${k}`);
      expect(res.status).toBe(200);
      const body = await readJson(res);
      expect(body).toEqual(created);
      expect(body).toEqual(await readJson(await running.api.get(`/transactions/${created.id}`)));
    }
  });

  test('404 naming key when no transaction has that key', async () => {
    const k = key();
    const res = await running.api.get(`/transactions/by-idempotency-key/${k}`);
    expect(res.status).toBe(404);
    expect(await readJson(res)).toEqual({ error: 'not_found', field: 'key', message: `no transaction has idempotency key ${k}` });
  });

  test.each([
    ['7 characters', 'abcdefg'],
    ['129 characters (over the router parameter limit)', 'a'.repeat(129)],
    ['a space', 'abc%20defgh'],
    ['a slash', 'abcd%2Fefgh'],
    ['non-ASCII', 'clé-de-test'],
    ['bad percent-encoding', 'abcdefgh%ZZ'],
  ])('a key with %s -> 400 naming key, by the Idempotency-Key rule', async (_name, k) => {
    const res = await running.api.get(`/transactions/by-idempotency-key/${k}`);
    expect(res.status).toBe(400);
    expect(await readJson(res)).toEqual({ error: 'validation', field: 'key', message: 'key must be 8 to 128 characters of A-Z a-z 0-9 _ . : -' });
  });
});
