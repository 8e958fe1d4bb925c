import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPool } from '../src/db/pool';
import { buildServer } from '../src/server';
import { startService } from '../src/service';
import { freePort, LocalPostgres } from '../tools/local-postgres';
import { silentLogger, testAppConfig } from './support/database';
import { postTransaction, readJson } from './support/service';

test('GET /ready is 503 (and /health still 200) when the database is unreachable', async () => {
  const pool: Pool = createPool({
    host: '127.0.0.1', port: await freePort(), database: 'none', user: 'none', password: 'none', ssl: false,
  }, silentLogger);
  const server = buildServer({ pool, logger: silentLogger, build: { commit: 'c', buildTime: 't' } });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  try {
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('1');
    expect(await readJson(ready)).toEqual({ status: 'unavailable', error: 'database_unavailable', message: 'database is not reachable' });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    // An unreachable database on a write is retryable: 503 with Retry-After, revealing nothing.
    const write = await postTransaction(url, { amount: '1.00', currency: 'USD' }, `ready-${randomUUID()}`);
    expect(write.status).toBe(503);
    expect(write.headers.get('retry-after')).toBe('1');
    expect(await readJson(write)).toEqual({ error: 'database_unavailable', message: 'the database is unavailable; retry after 1 s' });
  } finally {
    await server.close();
    await pool.end();
  }
});

test('GET /ready turns 503 when the database server stops while the service runs', async () => {
  const postgres = await LocalPostgres.start();
  try {
    const database = await postgres.createDatabase('readiness');
    const service = await startService(testAppConfig({ ...postgres.connection, database, ssl: false }));
    try {
      expect((await fetch(`${service.url}/ready`)).status).toBe(200);
      await postgres.stop();
      expect((await fetch(`${service.url}/ready`)).status).toBe(503);
      expect((await fetch(`${service.url}/health`)).status).toBe(200);
    } finally {
      await service.shutdown();
    }
  } finally {
    await postgres.stop();
  }
});
