import { randomUUID } from 'node:crypto';
import { countTransactions } from './support/database';
import { readJson, useServiceWithDatabase } from './support/service';

const running = useServiceWithDatabase();

const VALID = { amount: '10.00', currency: 'USD' };
const json = (value: unknown): string => JSON.stringify(value);

interface Case {
  readonly name: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Leave out the Idempotency-Key header. */
  readonly noKey?: boolean;
  readonly status: number;
  readonly field: string;
}

/** Every class of client mistake: each must get a 4xx naming the field, and create nothing. */
const CASES: Case[] = [
  // the Idempotency-Key header
  { name: 'missing Idempotency-Key', body: json(VALID), noKey: true, status: 400, field: 'Idempotency-Key' },
  { name: 'too short Idempotency-Key', body: json(VALID), headers: { 'idempotency-key': 'short' }, status: 400, field: 'Idempotency-Key' },
  { name: 'too long Idempotency-Key', body: json(VALID), headers: { 'idempotency-key': 'k'.repeat(129) }, status: 400, field: 'Idempotency-Key' },
  { name: 'Idempotency-Key with spaces', body: json(VALID), headers: { 'idempotency-key': 'has some spaces' }, status: 400, field: 'Idempotency-Key' },
  { name: 'Idempotency-Key with quotes', body: json(VALID), headers: { 'idempotency-key': "abc'; DROP TABLE x;--" }, status: 400, field: 'Idempotency-Key' },
  // the body as a whole
  { name: 'malformed JSON', body: '{"amount": "10.00",', status: 400, field: 'body' },
  { name: 'empty body', body: '', status: 400, field: 'body' },
  { name: 'JSON array', body: json([VALID]), status: 400, field: 'body' },
  { name: 'JSON null', body: 'null', status: 400, field: 'body' },
  { name: 'JSON string', body: json('10.00 USD'), status: 400, field: 'body' },
  { name: 'prototype poisoning', body: '{"amount":"10.00","currency":"USD","__proto__":{"x":1}}', status: 400, field: 'body' },
  { name: 'text/plain content type', body: json(VALID), headers: { 'content-type': 'text/plain' }, status: 415, field: 'Content-Type' },
  { name: 'form content type', body: 'amount=10.00&currency=USD', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, field: 'Content-Type' },
  { name: 'huge body', body: json({ ...VALID, description: 'x'.repeat(100_000) }), status: 413, field: 'body' },
  // fields
  { name: 'unknown field', body: json({ ...VALID, status: 'settled' }), status: 400, field: 'status' },
  { name: 'missing amount', body: json({ currency: 'USD' }), status: 400, field: 'amount' },
  { name: 'amount as a JSON number', body: json({ amount: 10, currency: 'USD' }), status: 400, field: 'amount' },
  { name: 'amount null', body: json({ amount: null, currency: 'USD' }), status: 400, field: 'amount' },
  { name: 'amount zero', body: json({ amount: '0.00', currency: 'USD' }), status: 400, field: 'amount' },
  { name: 'negative amount', body: json({ amount: '-5.00', currency: 'USD' }), status: 400, field: 'amount' },
  { name: 'three decimals', body: json({ amount: '1.005', currency: 'USD' }), status: 400, field: 'amount' },
  { name: 'exponent', body: json({ amount: '1e5', currency: 'USD' }), status: 400, field: 'amount' },
  { name: 'above the upper bound', body: json({ amount: '1000000.01', currency: 'USD' }), status: 400, field: 'amount' },
  { name: 'absurdly long amount', body: json({ amount: '9'.repeat(400), currency: 'USD' }), status: 400, field: 'amount' },
  { name: 'decimals in JPY', body: json({ amount: '100.50', currency: 'JPY' }), status: 400, field: 'amount' },
  { name: 'missing currency', body: json({ amount: '10.00' }), status: 400, field: 'currency' },
  { name: 'lower-case currency', body: json({ amount: '10.00', currency: 'usd' }), status: 400, field: 'currency' },
  { name: 'currency not in the allowlist', body: json({ amount: '10.00', currency: 'XAU' }), status: 400, field: 'currency' },
  { name: 'currency as a number', body: json({ amount: '10.00', currency: 840 }), status: 400, field: 'currency' },
  { name: 'description not a string', body: json({ ...VALID, description: 42 }), status: 400, field: 'description' },
  { name: 'empty description', body: json({ ...VALID, description: '' }), status: 400, field: 'description' },
  { name: 'description too long', body: json({ ...VALID, description: 'x'.repeat(141) }), status: 400, field: 'description' },
  { name: 'description with control characters', body: json({ ...VALID, description: 'a\u0000b' }), status: 400, field: 'description' },
];

test.each(CASES)('$name -> $status naming $field, no row created', async ({ body, headers, noKey, status, field }) => {
  const before = await countTransactions(running.pool);
  const res = await running.api.fetch('/transactions', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(noKey ? {} : { 'idempotency-key': `bad-input-${randomUUID()}` }),
      ...headers,
    },
    body,
  });
  const payload = await readJson(res);
  expect({ status: res.status, field: payload.field }).toEqual({ status, field });
  expect(typeof payload.error).toBe('string');
  expect(payload.message).toEqual(expect.any(String));
  expect(await countTransactions(running.pool)).toBe(before);
});

test('the batch covers the valid request too (sanity: the same call with good input creates a row)', async () => {
  const before = await countTransactions(running.pool);
  const res = await running.api.fetch('/transactions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `bad-input-${randomUUID()}` },
    body: json(VALID),
  });
  expect(res.status).toBe(201);
  expect(await countTransactions(running.pool)).toBe(before + 1);
});
