import { randomUUID } from 'node:crypto';
import { countTransactions } from './support/database';
import { readJson, useServiceWithDatabase } from './support/service';
import { ClientRateLimiter, DEFAULT_RATE_LIMIT } from '../src/http/rate-limit';

describe('the token bucket (a clock the test moves)', () => {
  test('a burst of `burst` requests, then `perSecond`; the wait says when the next one fits', () => {
    let now = 0;
    const limiter = new ClientRateLimiter({ perSecond: 5, burst: 10 }, () => now);
    const burst = Array.from({ length: 12 }, () => limiter.take('orders'));
    expect(burst.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(burst[10]).toBeCloseTo(0.2); // one token refills in 1/5 s
    expect(burst[11]).toBeCloseTo(0.2); // refused requests take nothing
    now = 200;
    expect(limiter.take('orders')).toBe(0);
    expect(limiter.take('orders')).toBeCloseTo(0.2);
    // Another client has its own bucket.
    expect(limiter.take('billing')).toBe(0);
    // An idle client refills up to the burst, never beyond.
    now = 60_000;
    expect(Array.from({ length: 11 }, () => limiter.take('orders')).filter((wait) => wait === 0)).toHaveLength(10);
  });

  test('over one second the sustained rate is perSecond (+ the burst)', () => {
    let now = 0;
    const limiter = new ClientRateLimiter(DEFAULT_RATE_LIMIT, () => now);
    let allowed = 0;
    for (; now <= 1000; now += 1) if (limiter.take('orders') === 0) allowed += 1; // 1001 requests in 1 s
    expect(allowed).toBe(DEFAULT_RATE_LIMIT.burst + DEFAULT_RATE_LIMIT.perSecond);
  });

  test('with very many clients, idle ones are forgotten (memory stays bounded), busy ones are kept', () => {
    let now = 0;
    const limiter = new ClientRateLimiter({ perSecond: 1, burst: 2 }, () => now);
    limiter.take('busy');
    limiter.take('busy');
    for (let i = 0; i < 10_000; i++) limiter.take(`client-${i}`);
    expect(limiter.trackedClients).toBe(10_001);
    now = 5_000; // every bucket is full again
    limiter.take('busy');
    limiter.take('busy'); // empty again
    limiter.take('newcomer'); // the map is full: the full (idle) buckets are dropped
    expect(limiter.trackedClients).toBe(2);
    expect(limiter.take('busy')).toBeGreaterThan(0); // its emptied bucket was kept
  });
});

describe('429 from the service, measured: 5 requests per second, bursts of 10', () => {
  const running = useServiceWithDatabase({ rateLimit: { perSecond: 5, burst: 10 } });
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  test('30 creates at once from one client: the burst passes, the rest are 429 with Retry-After in the error shape and store nothing; another client is unaffected', async () => {
    const orders = await running.as('orders');
    const billing = await running.as('billing');
    const before = await countTransactions(running.pool);
    const started = performance.now();
    const responses = await Promise.all(Array.from({ length: 30 }, () => orders.post({ amount: '1.00', currency: 'EUR' }, `rl-${randomUUID()}`)));
    const elapsedSeconds = (performance.now() - started) / 1000;
    const created = responses.filter((res) => res.status === 201).length;
    const limited = responses.filter((res) => res.status === 429);
    // The burst of 10, plus what refilled at 5 per second while the 30 were answered.
    expect(created).toBeGreaterThanOrEqual(10);
    expect(created).toBeLessThanOrEqual(10 + Math.floor(elapsedSeconds * 5));
    expect(created + limited.length).toBe(30);
    for (const res of limited) {
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await readJson(res)).toEqual({
        error: 'rate_limited',
        message: 'this client may send 5 requests per second (bursts of 10); retry after 1 s',
      });
    }
    expect(await countTransactions(running.pool)).toBe(before + created);

    const others = await Promise.all(Array.from({ length: 10 }, () => billing.get(`/transactions/${randomUUID()}`)));
    expect(others.map((res) => res.status)).toEqual(Array(10).fill(404));

    await sleep(1000); // as Retry-After says
    expect((await orders.get(`/transactions/${randomUUID()}`)).status).toBe(404);
  });

  test('20 requests per second for 3 s from a drained bucket: 5 per second pass', async () => {
    const client = await running.as('steady');
    while ((await client.get(`/transactions/${randomUUID()}`)).status !== 429); // drain the burst
    const started = performance.now();
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      statuses.push((await client.get(`/transactions/${randomUUID()}`)).status);
      await sleep(Math.max(0, started + (i + 1) * 50 - performance.now()));
    }
    const elapsedSeconds = (performance.now() - started) / 1000;
    const passed = statuses.filter((status) => status === 404).length;
    expect(statuses.filter((status) => status !== 404 && status !== 429)).toEqual([]);
    // Tokens refill at 5 per second and every one is used (requests come 4 times as often).
    expect(passed).toBeGreaterThanOrEqual(Math.floor(elapsedSeconds * 5) - 1);
    expect(passed).toBeLessThanOrEqual(Math.ceil(elapsedSeconds * 5) + 1);
  });
});
