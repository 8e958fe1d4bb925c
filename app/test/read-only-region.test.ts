import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { DatabaseConfig, RegionConfig } from '../src/config';
import { ROLE_CACHE_MS } from '../src/db/role';
import { READ_ONLY_RETRY_AFTER_SECONDS } from '../src/http/errors';
import { RunningService, startService, StartOptions } from '../src/service';
import { countTransactions, createMigratedDatabase, testAppConfig } from './support/database';
import { createRole, failOver } from './support/read-only';
import { postTransaction, readJson, useLocalIssuer } from './support/service';

const PRIMARY: RegionConfig = { serviceRegion: 'us-east-1', writerRegion: 'us-east-1' };
const SECONDARY: RegionConfig = { serviceRegion: 'us-east-2', writerRegion: 'us-east-1' };

const local = useLocalIssuer();
/** The Authorization header of the client these tests act as (one client: reads find its writes). */
let auth: Record<string, string>;
beforeAll(async () => {
  auth = { authorization: `Bearer ${await local.issuer.token({ client: 'region-test' })}` };
});

const services: RunningService[] = [];
async function serve(database: DatabaseConfig, region: RegionConfig, options: StartOptions = {}): Promise<RunningService> {
  const service = await startService({ ...testAppConfig(database, local.issuer), region }, options);
  services.push(service);
  return service;
}

let pool: Pool;
let database: DatabaseConfig;
beforeAll(async () => {
  ({ pool, database } = await createMigratedDatabase());
});
afterAll(async () => {
  await Promise.all(services.map((service) => service.shutdown()));
  await pool.end();
});

const payment = { amount: '12.50', currency: 'EUR', description: 'coffee' };

describe('a secondary region: its database only reads (default_transaction_read_only = on)', () => {
  let writer: RunningService;
  let reader: RunningService;
  beforeAll(async () => {
    writer = await serve(database, PRIMARY);
    // Starting at all proves the reader does not migrate: every DDL would fail with 25006.
    reader = await serve(await createRole(database, true), SECONDARY);
  });

  test('reads work: by id and by idempotency key, with the same body as in the writer region', async () => {
    const key = `ro-${randomUUID()}`;
    const created = await postTransaction(writer.url, payment, key, auth);
    expect(created.status).toBe(201);
    const transaction = await readJson(created);
    for (const service of [writer, reader]) {
      for (const path of [`/transactions/${transaction.id}`, `/transactions/by-idempotency-key/${key}`]) {
        const res = await fetch(`${service.url}${path}`, { headers: auth });
        expect(res.status).toBe(200);
        expect(await readJson(res)).toEqual(transaction);
      }
      const missing = await fetch(`${service.url}/transactions/by-idempotency-key/never-used-${randomUUID()}`, { headers: auth });
      expect(missing.status).toBe(404);
      expect(await readJson(missing)).toMatchObject({ error: 'not_found', field: 'key' });
    }
  });

  test('a write is 503 read_only_region with Retry-After and the writer region, and stores nothing', async () => {
    const before = await countTransactions(pool);
    const res = await postTransaction(reader.url, payment, `ro-${randomUUID()}`, auth);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe(String(READ_ONLY_RETRY_AFTER_SECONDS));
    expect(await readJson(res)).toEqual({
      error: 'read_only_region',
      message: `this region (us-east-2) only reads; write to us-east-1, or retry after ${READ_ONLY_RETRY_AFTER_SECONDS} s`,
      writerRegion: 'us-east-1',
    });
    expect(await countTransactions(pool)).toBe(before);
  });

  test('invalid input is still a 400 naming the field (validation comes before the role)', async () => {
    const res = await postTransaction(reader.url, { ...payment, amount: 12.5 }, `ro-${randomUUID()}`, auth);
    expect(res.status).toBe(400);
    expect(await readJson(res)).toMatchObject({ error: 'validation', field: 'amount' });
  });

  test('/ready and /health/deep report role reader; ?require=writer is 503', async () => {
    const status = { region: 'us-east-2', role: 'reader', writerRegion: 'us-east-1' };
    const ready = await fetch(`${reader.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await readJson(ready)).toEqual({ status: 'ready', ...status });
    const deep = await fetch(`${reader.url}/health/deep`);
    expect(deep.status).toBe(200);
    expect(await readJson(deep)).toEqual({ status: 'ok', ...status });
    const writerOnly = await fetch(`${reader.url}/health/deep?require=writer`);
    expect(writerOnly.status).toBe(503);
    expect(writerOnly.headers.get('retry-after')).toBe('1');
    expect(await readJson(writerOnly)).toEqual({
      status: 'unavailable', error: 'not_writer', message: 'the database of us-east-2 only reads; the writer is us-east-1', ...status,
    });
  });

  test('the writer region reports role writer, and ?require=writer is 200', async () => {
    for (const path of ['/ready', '/health/deep', '/health/deep?require=writer']) {
      const res = await fetch(`${writer.url}${path}`);
      expect(res.status).toBe(200);
      expect(await readJson(res)).toMatchObject({ region: 'us-east-1', role: 'writer', writerRegion: 'us-east-1' });
    }
  });
});

describe('a failover: the role changes under a running service (no restart)', () => {
  test('a write that races the failover (the cached role still says writer) gets PostgreSQL\'s 25006 as 503 read_only_region', async () => {
    const role = await createRole(database, false);
    // A role cache far longer than the test: only SQLSTATE 25006 can tell the service.
    const service = await serve(role, SECONDARY, { roleMonitor: { cacheMs: 600_000 } });
    expect((await postTransaction(service.url, payment, `race-${randomUUID()}`, auth)).status).toBe(201);
    await failOver(database, role, true);
    const before = await countTransactions(pool);
    const res = await postTransaction(service.url, payment, `race-${randomUUID()}`, auth);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe(String(READ_ONLY_RETRY_AFTER_SECONDS));
    expect(await readJson(res)).toMatchObject({ error: 'read_only_region', writerRegion: 'us-east-1' });
    expect(await countTransactions(pool)).toBe(before);
    // The 25006 taught the cache: the next write is refused before reaching the database.
    expect(await readJson(await postTransaction(service.url, payment, `race-${randomUUID()}`, auth))).toMatchObject({ error: 'read_only_region' });
  });

  test('a reader promoted to writer takes writes within the role cache interval, without probes or restart', async () => {
    const role = await createRole(database, true);
    // The configuration still names us-east-1 as the writer: the database's answer wins.
    const service = await serve(role, SECONDARY);
    expect((await postTransaction(service.url, payment, `promo-${randomUUID()}`, auth)).status).toBe(503);
    await failOver(database, role, false);
    const promoted = Date.now();
    const statuses: number[] = [];
    let status = 0;
    while (status !== 201 && Date.now() - promoted < ROLE_CACHE_MS + 3_000) {
      status = (await postTransaction(service.url, payment, `promo-${randomUUID()}`, auth)).status;
      statuses.push(status);
      if (status !== 201) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(201);
    expect(Date.now() - promoted).toBeLessThan(ROLE_CACHE_MS + 1_000);
    // Until then: read_only_region (or a connection broken by the failover), never a 500.
    expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
    const deep = await fetch(`${service.url}/health/deep?require=writer`);
    expect(deep.status).toBe(200);
    expect(await readJson(deep)).toEqual({ status: 'ok', region: 'us-east-2', role: 'writer', writerRegion: 'us-east-2' });
  });

  test('a writer demoted to reader: /health/deep?require=writer turns 503 at the next probe', async () => {
    const role = await createRole(database, false);
    const service = await serve(role, PRIMARY);
    expect((await fetch(`${service.url}/health/deep?require=writer`)).status).toBe(200);
    await failOver(database, role, true);
    const res = await fetch(`${service.url}/health/deep?require=writer`);
    expect(res.status).toBe(503);
    // The configuration names this region as the writer, yet the database only reads: the
    // writer is elsewhere and not known here.
    expect(await readJson(res)).toEqual({
      status: 'unavailable',
      error: 'not_writer',
      region: 'us-east-1',
      role: 'reader',
      writerRegion: null,
      message: 'the database of us-east-1 only reads; the writer is not known here',
    });
  });
});
