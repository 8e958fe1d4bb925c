import { readFileSync } from 'node:fs';
import { Pool, PoolClient, PoolConfig } from 'pg';
import type { Logger } from 'pino';
import type { DatabaseConfig } from '../config';
import { CredentialSource, RotatingCredentials, StaticCredentialSource } from './credentials';
import { isAuthenticationFailure } from './unavailable';

/**
 * Every wait on the database is bounded. The values are chosen so that a request that needs the
 * database answers within {@link REQUEST_DEADLINE_MS} even when the database hangs
 * (app/README.md, "Timeouts").
 */
export const DATABASE_TIMEOUTS = {
  /** Waiting for a free pooled connection, or opening a new one (TCP, TLS, authentication). */
  connectMs: 2_000,
  /** Server side: a statement running longer is cancelled (SQLSTATE 57014). */
  statementMs: 2_500,
  /** Server side: waiting longer for a row or table lock fails the statement (SQLSTATE 55P03). */
  lockMs: 2_000,
  /** Client side: no answer from the server within this time (a hung server) fails the query. */
  queryMs: 3_000,
  /** Server side: a session idle inside a transaction this long is terminated. */
  idleInTransactionMs: 5_000,
} as const;

/** Fastify's handler timeout: the latest moment any request is answered (503 when the database is the cause). */
export const REQUEST_DEADLINE_MS = 5_000;

/** Options for {@link createPool}. */
export interface PoolOptions {
  /**
   * Where to read the credentials again after PostgreSQL rejects the password (SQLSTATE 28P01).
   * @default the credentials of `config` (nothing rotates)
   */
  readonly credentialSource?: CredentialSource;
  /**
   * pg pool settings that override the defaults (tests shorten the idle timeout).
   * @default none
   */
  readonly overrides?: Partial<PoolConfig>;
}

/**
 * A pg pool that survives password rotation: when opening a connection fails authentication, it
 * re-reads the credentials (one read shared by all concurrent failures) and retries once.
 * Everything that uses the pool (queries, readiness, migrations) goes through `connect`.
 */
export class DatabasePool extends Pool {
  /** The credentials new connections use. */
  public readonly credentials: RotatingCredentials;

  constructor(config: PoolConfig, credentials: RotatingCredentials, private readonly logger: Logger) {
    super({ ...config, user: credentials.current.username, password: () => credentials.current.password });
    this.credentials = credentials;
  }

  override connect(): Promise<PoolClient>;
  override connect(callback: (err: Error | undefined, client: PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(
    callback?: (err: Error | undefined, client: PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<PoolClient> | void {
    const connected = this.connectWithFreshCredentials();
    if (!callback) return connected;
    connected.then(
      (client) => callback(undefined, client, (release?: unknown) => client.release(release as Error | boolean | undefined)),
      (err: Error) => callback(err, undefined, () => undefined),
    );
  }

  private async connectWithFreshCredentials(): Promise<PoolClient> {
    const generation = this.credentials.generation;
    try {
      return await super.connect();
    } catch (err) {
      if (!isAuthenticationFailure(err)) throw err;
      this.logger.warn({ generation }, 'database rejected the credentials: re-reading them and retrying once');
      await this.credentials.refresh(generation);
      // The user name normally stays the same across a rotation; follow the secret if it does not.
      this.options.user = this.credentials.current.username;
      try {
        return await super.connect();
      } catch (retryErr) {
        if (isAuthenticationFailure(retryErr)) {
          this.logger.error({ generation, refreshed: this.credentials.generation }, 'database rejected the re-read credentials too');
        }
        throw retryErr;
      }
    }
  }
}

/**
 * Creates the connection pool. TLS is verified (never `rejectUnauthorized: false`): against
 * DB_SSL_CA_FILE when set (the image ships the RDS CA bundle), else Node's trusted CAs.
 * Errors on idle clients (e.g. a database failover) are logged instead of crashing the process.
 */
export function createPool(config: DatabaseConfig, logger: Logger, options: PoolOptions = {}): DatabasePool {
  const initial = { username: config.user, password: config.password };
  const credentials = new RotatingCredentials(initial, options.credentialSource ?? new StaticCredentialSource(initial));
  const pool = new DatabasePool({
    host: config.host,
    port: config.port,
    database: config.database,
    ssl: config.ssl
      ? { rejectUnauthorized: true, ca: config.sslCaFile ? readFileSync(config.sslCaFile, 'utf8') : undefined }
      : false,
    max: 10,
    connectionTimeoutMillis: DATABASE_TIMEOUTS.connectMs,
    statement_timeout: DATABASE_TIMEOUTS.statementMs,
    lock_timeout: DATABASE_TIMEOUTS.lockMs,
    query_timeout: DATABASE_TIMEOUTS.queryMs,
    idle_in_transaction_session_timeout: DATABASE_TIMEOUTS.idleInTransactionMs,
    // Dead peers (a failed-over writer) are noticed by TCP keep-alive, not only by the next query.
    keepAlive: true,
    idleTimeoutMillis: 30_000,
    application_name: 'transactions-service',
    ...options.overrides,
  }, credentials, logger);
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
