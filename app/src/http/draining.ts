import type { FastifyInstance } from 'fastify';
import { sendUnavailable } from './errors';

/**
 * Once the server starts closing: a request that still arrives (on a keep-alive socket) gets 503
 * with Retry-After in the JSON error shape, so the client retries on another task; and every
 * response says `Connection: close`, so that keep-alive sockets of requests that were in flight
 * when close began (e.g. from the load balancer) are closed after their response instead of
 * holding the shutdown open.
 */
export function closeKeepAliveWhenClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (closing) return sendUnavailable(reply, 'shutting_down', 'this instance is shutting down; retry the request');
    return undefined;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
}
