import type { FastifyInstance, FastifyReply } from 'fastify';
import type { BuildInfo } from '../config';
import { RETRY_AFTER_SECONDS } from './errors';
import type { ServiceRegion } from '../region';

/**
 * GET /health (liveness: the process serves HTTP), GET /ready (readiness: the database answers
 * and says its role within 2 s), GET /health/deep (the database answers; `?require=writer` also
 * needs it to take writes) and GET /version (the commit and build time baked into the image).
 *
 * /ready and /health/deep always ask the database (never the role cache), bounded by
 * ROLE_DETECTION_TIMEOUT_MS: a hung database is a 503 within 2 s, not a hung probe. All four are
 * public (no access token): they reveal no transaction.
 */
export function registerHealthRoutes(app: FastifyInstance, region: ServiceRegion, build: BuildInfo): void {
  // Probed every few seconds by the load balancer, Route 53 and the container HEALTHCHECK: log only
  // problems. Public: probes carry no token (src/http/authentication.ts).
  const quiet = { logLevel: 'warn' as const, config: { access: 'public' as const } };
  app.get('/health', quiet, async () => ({ status: 'ok' }));

  const unavailable = (reply: FastifyReply, body: Record<string, unknown>): FastifyReply =>
    reply.status(503).header('Retry-After', String(RETRY_AFTER_SECONDS)).send({ status: 'unavailable', ...body });

  app.get('/ready', quiet, async (request, reply) => {
    try {
      const role = await region.monitor.detect();
      return { status: 'ready', ...region.statusFor(role) };
    } catch (err) {
      request.log.warn({ err }, 'database not reachable');
      return unavailable(reply, { error: 'database_unavailable', message: 'database is not reachable' });
    }
  });

  app.get<{ Querystring: Record<string, string | string[] | undefined> }>('/health/deep', quiet, async (request, reply) => {
    const { require: required, ...rest } = request.query;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) {
      return reply.status(400).send({ error: 'validation', field: unknown, message: `${unknown} is not a known query parameter; use require=writer` });
    }
    if (required !== undefined && required !== 'writer') {
      return reply.status(400).send({ error: 'validation', field: 'require', message: 'require must be "writer" (or absent)' });
    }
    const names = { region: region.config.serviceRegion };
    let role;
    try {
      role = await region.monitor.detect();
    } catch (err) {
      request.log.warn({ err }, 'deep health check: database not reachable');
      return unavailable(reply, {
        ...names, writerRegion: region.config.writerRegion, error: 'database_unavailable', message: 'database is not reachable',
      });
    }
    const status = region.statusFor(role);
    if (required === 'writer' && role !== 'writer') {
      return unavailable(reply, { ...status, error: 'not_writer', message: `the database of ${status.region} only reads; the writer is ${status.writerRegion ?? 'not known here'}` });
    }
    return { status: 'ok', ...status };
  });

  app.get('/version', { config: { access: 'public' } }, async () => ({ commit: build.commit, buildTime: build.buildTime }));
}
