import { readFileSync } from 'node:fs';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import type { DatabaseConfig } from '../config';

/**
 * Creates the connection pool. TLS is verified (never `rejectUnauthorized: false`): against
 * DB_SSL_CA_FILE when set (the image ships the RDS CA bundle), else Node's trusted CAs.
 * Errors on idle clients (e.g. a database failover) are logged instead of crashing the process.
 */
export function createPool(config: DatabaseConfig, logger: Logger): Pool {
  const pool = new Pool({
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    password: config.password,
    ssl: config.ssl
      ? { rejectUnauthorized: true, ca: config.sslCaFile ? readFileSync(config.sslCaFile, 'utf8') : undefined }
      : false,
    max: 10,
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 10_000,
    application_name: 'transactions-service',
  });
  pool.on('error', (err) => logger.error({ err }, 'idle database client failed'));
  return pool;
}

/**
 * Resolves when the database answers a trivial query within `timeoutMs`, rejects otherwise.
 */
export async function pingDatabase(pool: Pool, timeoutMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([pool.query('SELECT 1'), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
