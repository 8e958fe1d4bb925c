import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AppConfig } from './config';
import type { CredentialSource } from './db/credentials';
import { runMigrations } from './db/migrations';
import { createPool, PoolOptions } from './db/pool';
import { SecretsManagerCredentialSource } from './db/secrets-manager-credentials';
import { createLogger } from './logger';
import { buildServer } from './server';
import { createShutdown } from './shutdown';

/** A running service. */
export interface RunningService {
  readonly server: FastifyInstance;
  readonly logger: Logger;
  /** The base URL it listens on, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /** Drains in-flight requests, then closes the database pool. Idempotent. */
  readonly shutdown: () => Promise<void>;
}

/** Options for {@link startService}. */
export interface StartOptions {
  /**
   * Where to re-read the database credentials after an authentication failure.
   * @default Secrets Manager when DB_SECRET_ARN is set, else the configured credentials
   */
  readonly credentialSource?: CredentialSource;
  /**
   * pg pool settings that override the defaults (tests shorten the idle timeout).
   * @default none
   */
  readonly poolOverrides?: PoolOptions['overrides'];
}

/** Migrates the database, then starts listening. Used by `main` and by the local dev runner. */
export async function startService(config: AppConfig, options: StartOptions = {}): Promise<RunningService> {
  const logger = createLogger(config.logLevel);
  const credentialSource = options.credentialSource
    ?? (config.database.secretArn ? new SecretsManagerCredentialSource(config.database.secretArn) : undefined);
  const pool = createPool(config.database, logger, { credentialSource, overrides: options.poolOverrides });
  try {
    await runMigrations(pool, logger);
    const server = buildServer({ pool, logger, build: config.build });
    const address = await server.listen({ host: config.host, port: config.port });
    return { server, logger, url: address, shutdown: createShutdown(server, pool, logger) };
  } catch (err) {
    await pool.end();
    throw err;
  }
}
