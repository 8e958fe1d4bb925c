import type { FastifyInstance } from 'fastify';

/**
 * Once the server starts closing, answers every response with `Connection: close`, so that
 * keep-alive sockets of requests that were in flight when close began (e.g. from the load
 * balancer) are closed after their response instead of holding the shutdown open.
 */
export function closeKeepAliveWhenClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
}
