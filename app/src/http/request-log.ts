import type { FastifyInstance } from 'fastify';

/**
 * One log line per answered request (fastify's own request logging is off): method, route pattern,
 * status, duration and `clientId` (bound to the request's logger once the token is verified; null
 * when there was no valid token). The URL is not logged: it may carry an idempotency key, or an
 * access token a client wrongly put in the query string. Probes log at warn only (quiet routes).
 */
export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({
      method: request.method,
      route: request.routeOptions.url ?? null,
      statusCode: reply.statusCode,
      responseTimeMs: Math.round(reply.elapsedTime),
      ...(request.client ? {} : { clientId: null }),
    }, 'request completed');
  });
}
