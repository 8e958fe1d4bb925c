import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { Logger } from 'pino';

/**
 * Returns an idempotent shutdown: stop accepting connections, wait for in-flight requests to
 * finish (fastify close), then end the database pool.
 */
export function createShutdown(server: FastifyInstance, pool: Pool, logger: Logger): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= (async () => {
      logger.info('shutting down: draining in-flight requests');
      await server.close();
      await pool.end();
      logger.info('shutdown complete');
    })();
    return closing;
  };
}

/**
 * Runs `shutdown` on SIGTERM (ECS stop) and SIGINT, then exits 0; exits 1 if it fails or takes
 * longer than `timeoutMs` (keep it below the task's stopTimeout, 30 s by default).
 */
export function exitOnSignals(shutdown: () => Promise<void>, logger: Logger, timeoutMs = 25_000): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'received signal');
    setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, timeoutMs).unref();
    shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
