import { randomUUID } from 'node:crypto';
import { REQUEST_DEADLINE_MS } from '../src/db/pool';
import { RunningService, startService } from '../src/service';
import { LocalPostgres } from '../tools/local-postgres';
import { testAppConfig } from './support/database';
import { lockTransactions } from './support/locks';
import { ApiClient, apiClient, readJson, useLocalIssuer, useServiceWithDatabase } from './support/service';

/** The documented bound (app/README.md): every request is answered within the request deadline. */
const BOUND_MS = REQUEST_DEADLINE_MS + 500;

interface Timed {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: Record<string, unknown>;
  readonly elapsedMs: number;
}

async function timed(request: Promise<Response>): Promise<Timed> {
  const started = Date.now();
  const res = await request;
  const body = await readJson(res);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body, elapsedMs: Date.now() - started };
}

function expectUnavailable(result: Timed): void {
  expect(result).toEqual({
    status: 503,
    retryAfter: '1',
    // /ready adds `status: "unavailable"` for health checkers, /health/deep also the region names.
    body: {
      error: expect.any(String),
      message: expect.any(String),
      ...('status' in result.body ? { status: 'unavailable' } : {}),
      ...('region' in result.body ? { region: 'local', writerRegion: 'local' } : {}),
    },
    elapsedMs: expect.any(Number),
  });
  expect(result.elapsedMs).toBeLessThan(BOUND_MS);
}

describe('a database that hangs or stops (its own PostgreSQL server)', () => {
  let postgres: LocalPostgres;
  let service: RunningService;
  let api: ApiClient;
  const local = useLocalIssuer();
  beforeAll(async () => {
    postgres = await LocalPostgres.start();
    const database = await postgres.createDatabase('unavailable');
    service = await startService(testAppConfig({ ...postgres.connection, database, ssl: false }, local.issuer));
    api = await apiClient(service.url, local.issuer);
  }, 30_000);
  afterAll(async () => {
    postgres.resume();
    await service.shutdown();
    await postgres.stop();
  });

  test('paused (SIGSTOP): POST, GET, /ready and /health/deep answer 503 with Retry-After within the deadline; a retry after resume succeeds', async () => {
    const created = await readJson(await api.post({ amount: '1.00', currency: 'USD' }, `hang-${randomUUID()}`));
    const key = `hang-${randomUUID()}`;
    const body = { amount: '2.00', currency: 'USD' };
    postgres.pause();
    try {
      // More requests than pooled connections: some wait for an idle connection, some open new ones.
      const results = await Promise.all([
        timed(api.post(body, key)),
        ...Array.from({ length: 6 }, () => timed(api.post({ amount: '3.00', currency: 'EUR' }, `hang-${randomUUID()}`))),
        ...Array.from({ length: 6 }, () => timed(api.get(`/transactions/${created.id}`))),
        timed(fetch(`${service.url}/ready`)),
        timed(fetch(`${service.url}/health/deep`)),
        timed(fetch(`${service.url}/health/deep?require=writer`)),
      ]);
      for (const result of results) expectUnavailable(result);
    } finally {
      postgres.resume();
    }
    // The POST may or may not have been committed when the database resumed: a retry with the
    // same key is always safe (201 if it was not, 200 replayed if it was), never a conflict.
    const retry = await api.post(body, key);
    expect([200, 201]).toContain(retry.status);
    expect((await api.get(`/transactions/${created.id}`)).status).toBe(200);
  }, 30_000);

  test('stopped while requests run and while it is down: 503 with Retry-After within the deadline', async () => {
    const during = Array.from({ length: 8 }, (_, i) => timed(i % 2
      ? api.post({ amount: '4.00', currency: 'USD' }, `stop-${randomUUID()}`)
      : api.get(`/transactions/${randomUUID()}`)));
    await postgres.stop();
    for (const result of await Promise.all(during)) {
      // Requests that completed before the stop succeeded; the others are 503, never 500.
      if (result.status >= 500) expectUnavailable(result);
      else expect([201, 404]).toContain(result.status);
    }
    const after = await Promise.all([
      timed(api.post({ amount: '5.00', currency: 'USD' }, `stop-${randomUUID()}`)),
      timed(api.get(`/transactions/${randomUUID()}`)),
      timed(fetch(`${service.url}/ready`)),
      timed(fetch(`${service.url}/health/deep`)),
    ]);
    for (const result of after) expectUnavailable(result);
  }, 30_000);
});

describe('a slow database (the shared test server)', () => {
  const running = useServiceWithDatabase();

  test('a write blocked on a lock gets 503 with Retry-After after the lock timeout, and creates nothing', async () => {
    const lock = await lockTransactions(running.database);
    try {
      const result = await timed(running.api.post({ amount: '6.00', currency: 'USD' }, `slow-${randomUUID()}`));
      expectUnavailable(result);
      expect(result.body.error).toBe('database_unavailable');
    } finally {
      await lock.release();
    }
  });
});
