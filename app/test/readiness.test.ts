import { randomUUID } from 'node:crypto';
import { createServer, Socket } from 'node:net';
import type { Pool } from 'pg';
import { createPool, REQUEST_DEADLINE_MS } from '../src/db/pool';
import { ROLE_DETECTION_TIMEOUT_MS } from '../src/db/role';
import { buildServer } from '../src/server';
import { startService } from '../src/service';
import { freePort, LocalPostgres } from '../tools/local-postgres';
import { silentLogger, testAppConfig, testAuthConfig } from './support/database';
import { apiClient, readJson, useLocalIssuer } from './support/service';

const local = useLocalIssuer();

test('GET /ready is 503 (and /health still 200) when the database is unreachable', async () => {
  const pool: Pool = createPool({
    host: '127.0.0.1', port: await freePort(), database: 'none', user: 'none', password: 'none', ssl: false,
  }, silentLogger);
  const server = buildServer({ pool, logger: silentLogger, build: { commit: 'c', buildTime: 't' }, auth: testAuthConfig(local.issuer) });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  const api = await apiClient(url, local.issuer);
  try {
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('1');
    expect(await readJson(ready)).toEqual({ status: 'unavailable', error: 'database_unavailable', message: 'database is not reachable' });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    // An unreachable database on a write is retryable: 503 with Retry-After, revealing nothing.
    const write = await api.post({ amount: '1.00', currency: 'USD' }, `ready-${randomUUID()}`);
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
    const service = await startService(testAppConfig({ ...postgres.connection, database, ssl: false }, local.issuer));
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

test('a database host that accepts TCP and never answers: /ready and /health/deep are 503 within the role detection timeout, a write within the request deadline', async () => {
  // What a hung database (or a black-holed failover target) looks like from the service.
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  const pool: Pool = createPool({ host: '127.0.0.1', port, database: 'none', user: 'none', password: 'none', ssl: false }, silentLogger);
  const server = buildServer({
    pool,
    logger: silentLogger,
    build: { commit: 'c', buildTime: 't' },
    region: { serviceRegion: 'us-east-2', writerRegion: 'us-east-1' },
    auth: testAuthConfig(local.issuer),
  });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  const api = await apiClient(url, local.issuer);
  try {
    const timedFetch = async (request: Promise<Response>) => {
      const started = Date.now();
      const res = await request;
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await readJson(res), elapsedMs: Date.now() - started };
    };
    const [ready, deep, writer, write] = await Promise.all([
      timedFetch(fetch(`${url}/ready`)),
      timedFetch(fetch(`${url}/health/deep`)),
      timedFetch(fetch(`${url}/health/deep?require=writer`)),
      timedFetch(api.post({ amount: '1.00', currency: 'USD' }, `hung-${randomUUID()}`)),
    ]);
    for (const probe of [ready, deep, writer]) {
      expect(probe.status).toBe(503);
      expect(probe.retryAfter).toBe('1');
      expect(probe.elapsedMs).toBeLessThan(ROLE_DETECTION_TIMEOUT_MS + 500);
    }
    expect(ready.body).toEqual({ status: 'unavailable', error: 'database_unavailable', message: 'database is not reachable' });
    expect(deep.body).toEqual({
      status: 'unavailable', error: 'database_unavailable', message: 'database is not reachable', region: 'us-east-2', writerRegion: 'us-east-1',
    });
    expect(writer.body).toEqual(deep.body);
    expect(write.status).toBe(503);
    expect(write.body.error).toBe('database_unavailable');
    expect(write.elapsedMs).toBeLessThan(REQUEST_DEADLINE_MS + 500);
    expect(sockets.length).toBeGreaterThan(0); // the connections were accepted, never answered
  } finally {
    await server.close();
    await pool.end();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});
