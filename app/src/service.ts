import type { FastifyInstance } from 'fastify';
import type { Logger, DestinationStream } from 'pino';
import { AuditSink, stdoutAuditSink } from './audit/transaction-audit';
import type { IssuerKeysOptions } from './auth/issuer-keys';
import type { AppConfig } from './config';
import type { CredentialSource } from './db/credentials';
import { pendingMigrations, runMigrations } from './db/migrations';
import { createPool, PoolOptions } from './db/pool';
import { DatabaseRoleMonitor, RoleMonitorOptions } from './db/role';
import { SecretsManagerCredentialSource } from './db/secrets-manager-credentials';
import { FeatureFlags, FeatureFlagsOptions } from './flags/feature-flags';
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
  /** The feature flags the service applies (kept fresh from the AppConfig agent). */
  readonly featureFlags: FeatureFlags;
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
  /**
   * Role detection settings.
   * @default ROLE_CACHE_MS and ROLE_DETECTION_TIMEOUT_MS
   */
  readonly roleMonitor?: RoleMonitorOptions;
  /**
   * Timings of the issuer's key cache (tests shorten them).
   * @default the JWKS_* constants of src/auth/issuer-keys.ts
   */
  readonly issuerKeys?: IssuerKeysOptions;
  /**
   * Where the JSON log lines go (tests read them).
   * @default stdout
   */
  readonly logDestination?: DestinationStream;
  /**
   * Feature-flag settings that override the configuration's (tests: a stand-in agent, intervals).
   * @default FEATURE_FLAGS_URL, asked every FLAGS_REFRESH_MS
   */
  readonly featureFlags?: Partial<Omit<FeatureFlagsOptions, 'logger'>>;
  /**
   * Where transaction audit records go.
   * @default one JSON line each on stdout, unless the configuration says `transactionAudit: 'off'`
   */
  readonly auditSink?: AuditSink;
}

/**
 * Migrates the database when it is the writer, then starts listening. Used by `main` and by the
 * local dev runner. A reader (a secondary region) never migrates: the writer region does, and the
 * schema replicates; the reader only logs a warning when its schema lags behind this release.
 */
export async function startService(config: AppConfig, options: StartOptions = {}): Promise<RunningService> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const credentialSource = options.credentialSource
    ?? (config.database.secretArn ? new SecretsManagerCredentialSource(config.database.secretArn) : undefined);
  const pool = createPool(config.database, logger, { credentialSource, overrides: options.poolOverrides });
  try {
    const role = await new DatabaseRoleMonitor(pool, options.roleMonitor).detect();
    if (role === 'writer') {
      await runMigrations(pool, logger);
    } else {
      const pending = await pendingMigrations(pool);
      if (pending.length > 0) logger.warn({ pending }, 'read-only database: migrations not applied yet by the writer region');
    }
    logger.info({ role, region: config.region }, 'database role detected');
    logger.info({ issuer: config.auth.issuer, jwksUrl: config.auth.jwksUrl, resourceServer: config.auth.resourceServer, rateLimit: config.rateLimit }, 'accepting access tokens');
    const featureFlags = new FeatureFlags({ url: config.featureFlagsUrl, logger, ...options.featureFlags });
    featureFlags.start();
    // One answer before the first request when the agent already has the flags (at most the 1 s
    // timeout; never throws): a task started while the kill switch is on refuses from its first POST.
    await featureFlags.refresh();
    const server = buildServer({
      pool,
      logger,
      build: config.build,
      region: config.region,
      roleMonitor: options.roleMonitor,
      auth: config.auth,
      rateLimit: config.rateLimit,
      issuerKeys: options.issuerKeys,
      transactions: { featureFlags, audit: options.auditSink ?? (config.transactionAudit === 'off' ? undefined : stdoutAuditSink) },
    });
    const address = await server.listen({ host: config.host, port: config.port });
    const shutdown = createShutdown(server, pool, logger);
    return { server, logger, url: address, featureFlags, shutdown: () => { featureFlags.stop(); return shutdown(); } };
  } catch (err) {
    await pool.end();
    throw err;
  }
}
