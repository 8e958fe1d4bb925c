import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { BuildInfo } from '../config';
import { RETRY_AFTER_SECONDS } from './errors';
import { pingDatabase } from '../db/pool';

/**
 * GET /health (liveness: the process serves HTTP), GET /ready (readiness: the database
 * answers within 2 s; 503 with Retry-After in the error shape, plus `status`, otherwise) and GET /version (the commit and build time baked into the image).
 */
export function registerHealthRoutes(app: FastifyInstance, pool: Pool, build: BuildInfo): void {
  // Probed every few seconds by the load balancer and the container HEALTHCHECK: log only problems.
  const quiet = { logLevel: 'warn' as const };
  app.get('/health', quiet, async () => ({ status: 'ok' }));

  app.get('/ready', quiet, async (request, reply) => {
    try {
      await pingDatabase(pool);
      return { status: 'ready' };
    } catch (err) {
      request.log.warn({ err }, 'database not reachable');
      return reply.status(503).header('Retry-After', String(RETRY_AFTER_SECONDS))
        .send({ status: 'unavailable', error: 'database_unavailable', message: 'database is not reachable' });
    }
  });

  app.get('/version', async () => ({ commit: build.commit, buildTime: build.buildTime }));
}
