import { randomUUID } from 'node:crypto';
import Fastify, { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { BuildInfo } from './config';
import { closeKeepAliveWhenClosing } from './http/draining';
import { registerErrorHandling } from './http/errors';
import { registerHealthRoutes } from './http/health-routes';
import { TransactionRepository } from './transactions/repository';
import { registerTransactionRoutes } from './transactions/routes';

/** What the HTTP server needs; everything is injected so tests use a real database of their own. */
export interface ServerDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly build: BuildInfo;
}

/** Largest accepted request body. A transaction is ~100 bytes of JSON. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/** Builds the fastify application (not listening yet). */
export function buildServer(deps: ServerDeps): FastifyInstance {
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // On close: refuse new requests with 503, drop idle keep-alive sockets, let in-flight ones finish.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  // JSON only: fastify also parses text/plain by default; without a parser it answers 415.
  app.removeContentTypeParser('text/plain');
  closeKeepAliveWhenClosing(app);
  registerErrorHandling(app);
  registerHealthRoutes(app, deps.pool, deps.build);
  registerTransactionRoutes(app, new TransactionRepository(deps.pool));
  return app;
}
