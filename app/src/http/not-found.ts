import type { FastifyInstance } from 'fastify';
import type { ErrorBody } from './errors';

/**
 * Unknown paths answer 404, and a known path with a method it does not serve answers 405 with
 * `Allow`, both as JSON {@link ErrorBody}. Routes are recorded as they are added, so this stays
 * true as routes change. Register before the routes.
 */
export function registerNotFoundHandling(app: FastifyInstance): void {
  const routes: { readonly pattern: RegExp; readonly method: string }[] = [];
  app.addHook('onRoute', (route) => {
    const pattern = new RegExp(`^${route.url.replace(/:[^/]+/g, '[^/]+')}$`);
    for (const method of [route.method].flat()) routes.push({ pattern, method });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const allowed = [...new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method))].sort();
    if (allowed.length > 0) {
      return reply.status(405).header('Allow', allowed.join(', ')).send({
        error: 'method_not_allowed',
        message: `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`,
      } satisfies ErrorBody);
    }
    return reply.status(404).send({ error: 'not_found', message: `no route for ${request.method} ${path}` } satisfies ErrorBody);
  });
}
