import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import pino from 'pino';
import type { AuthConfig } from '../../src/auth/auth-config';
import type { AppConfig, DatabaseConfig } from '../../src/config';
import { runMigrations } from '../../src/db/migrations';
import { createPool } from '../../src/db/pool';
import type { LocalIssuer } from '../../tools/local-issuer';

/** Superuser settings of the server started in global-setup.ts. */
function serverConfig(): Omit<DatabaseConfig, 'database'> {
  const { TEST_PG_HOST, TEST_PG_PORT, TEST_PG_USER, TEST_PG_PASSWORD } = process.env;
  if (!TEST_PG_HOST || !TEST_PG_PORT || !TEST_PG_USER || !TEST_PG_PASSWORD) {
    throw new Error('TEST_PG_* is not set: the tests must run through jest with test/support/global-setup.ts');
  }
  return { host: TEST_PG_HOST, port: Number(TEST_PG_PORT), user: TEST_PG_USER, password: TEST_PG_PASSWORD, ssl: false };
}

/** A silent logger for tests. */
export const silentLogger = pino({ level: 'silent' });

/** Creates a fresh, empty database on the test server (one per test file) and returns its settings. */
export async function createTestDatabase(): Promise<DatabaseConfig> {
  const server = serverConfig();
  const database = `test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ ...server, database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }
  return { ...server, database };
}

/** A fresh database with the schema applied, and a pool on it. */
export async function createMigratedDatabase(): Promise<{ database: DatabaseConfig; pool: Pool }> {
  const database = await createTestDatabase();
  const pool = createPool(database, silentLogger);
  await runMigrations(pool);
  return { database, pool };
}

/** The environment a container would get for `database` (as ECS injects the secret fields) and `issuer`. */
export function containerEnv(database: DatabaseConfig, issuer: LocalIssuer, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    AUTH_ISSUER: issuer.url,
    DB_HOST: database.host,
    DB_PORT: String(database.port),
    DB_NAME: database.database,
    DB_USER: database.user,
    DB_PASSWORD: database.password,
    DB_SSL: 'false',
    ...extra,
  };
}

/** Accept the access tokens of `issuer` for the default resource server (`transactions`). */
export function testAuthConfig(issuer: LocalIssuer): AuthConfig {
  return { issuer: issuer.url, jwksUrl: issuer.jwksUrl, resourceServer: 'transactions' };
}

/**
 * An AppConfig for an in-process service on an ephemeral port, accepting the tokens of `issuer`
 * (the real verification code, against the issuer's real key set). The rate limit is far above
 * what the tests send, except in the test of the rate limit.
 */
export function testAppConfig(database: DatabaseConfig, issuer: LocalIssuer): AppConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    database,
    build: { commit: 'test-commit', buildTime: '2026-01-01T00:00:00Z' },
    auth: testAuthConfig(issuer),
    rateLimit: { perSecond: 100_000, burst: 100_000 },
    // Audit records would go to the test run's stdout: the audit tests pass a sink of their own.
    transactionAudit: 'off',
  };
}

/** Number of rows in `transactions`. */
export async function countTransactions(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM transactions');
  return Number(rows[0].n);
}
