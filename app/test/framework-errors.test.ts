import { randomUUID } from 'node:crypto';
import { readJson, useServiceWithDatabase } from './support/service';

const running = useServiceWithDatabase();

/** Requests that fastify or its router reject before a route runs: each gets the service's error shape. */
test.each([
  ['an id of 129 characters (over the router parameter limit)', `/transactions/${'a'.repeat(129)}`],
  ['an id of 1000 characters', `/transactions/${'9'.repeat(1000)}`],
  ['bad percent-encoding', '/transactions/%ZZ'],
  ['a lone percent sign', '/transactions/%'],
  ['an overlong UTF-8 escape', '/transactions/%C0%AF'],
  ['an encoded lone surrogate', '/transactions/%ED%A0%80'],
])('GET with %s -> 400 naming id', async (_name, path) => {
  const res = await running.api.get(path);
  expect(res.status).toBe(400);
  expect(await readJson(res)).toEqual({ error: 'validation', field: 'id', message: 'id must be a UUID' });
});

test('a malformed path elsewhere -> 400 naming path', async () => {
  const res = await running.api.get('/%ZZ');
  expect(res.status).toBe(400);
  expect(await readJson(res)).toEqual({ error: 'validation', field: 'path', message: 'path must be valid percent-encoded UTF-8' });
});

test('an unknown route -> 404 in the error shape', async () => {
  const res = await running.api.get('/nope?x=1');
  expect(res.status).toBe(404);
  expect(await readJson(res)).toEqual({ error: 'not_found', message: 'no route for GET /nope' });
});

test.each([
  ['DELETE', `/transactions/${randomUUID()}`, 'GET, HEAD'],
  ['PUT', '/transactions', 'POST'],
  ['POST', '/health', 'GET, HEAD'],
  ['POST', '/health/deep', 'GET, HEAD'],
  ['DELETE', '/transactions/by-idempotency-key/some-key-1', 'GET, HEAD'],
])('%s %s -> 405 with Allow: %s', async (method, path, allow) => {
  const res = await running.api.fetch(path, { method });
  expect(res.status).toBe(405);
  expect(res.headers.get('allow')).toBe(allow);
  expect(await readJson(res)).toEqual({ error: 'method_not_allowed', message: `${method} is not allowed on ${path}; use ${allow}` });
});

test('every error body has exactly error, message and optionally field', async () => {
  const responses = await Promise.all([
    running.api.get(`/transactions/${'x'.repeat(200)}`),
    running.api.fetch('/transactions', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `fe-${randomUUID()}` }, body: '{' }),
    running.api.fetch('/transactions', { method: 'POST', headers: { 'content-type': 'application/xml', 'idempotency-key': `fe-${randomUUID()}` }, body: '<a/>' }),
    running.api.fetch('/transactions', { method: 'PATCH' }),
  ]);
  for (const res of responses) {
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await readJson(res);
    expect(Object.keys(body).filter((k) => !['error', 'message', 'field'].includes(k))).toEqual([]);
    expect(body).toEqual(expect.objectContaining({ error: expect.any(String), message: expect.any(String) }));
  }
});

test('every response carries X-Request-Id: the caller\'s, or a new UUID', async () => {
  const given = await running.api.fetch('/nope', { headers: { 'x-request-id': 'caller-chosen-id' } });
  expect(given.headers.get('x-request-id')).toBe('caller-chosen-id');
  const generated = await running.api.get('/health');
  expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});
