import { randomUUID } from 'node:crypto';
import Fastify, { FastifyBaseLogger, FastifyInstance, LogController } from 'fastify';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { AccessTokenVerifier } from './auth/access-token';
import type { AuthConfig } from './auth/auth-config';
import { IssuerKeys, IssuerKeysOptions } from './auth/issuer-keys';
import type { BuildInfo, RegionConfig } from './config';
import { REQUEST_DEADLINE_MS } from './db/pool';
import { DatabaseRoleMonitor, RoleMonitorOptions } from './db/role';
import { registerAuthentication } from './http/authentication';
import { closeKeepAliveWhenClosing } from './http/draining';
import { handleFrameworkError, registerErrorHandling } from './http/errors';
import { registerHealthRoutes } from './http/health-routes';
import { registerStrictJsonParser } from './http/json-body';
import { registerNotFoundHandling } from './http/not-found';
import { ClientRateLimiter, DEFAULT_RATE_LIMIT, RateLimitConfig } from './http/rate-limit';
import { registerRequestLog } from './http/request-log';
import { ServiceRegion } from './region';
import { TransactionRepository } from './transactions/repository';
import { registerTransactionRoutes, TransactionRouteOptions } from './transactions/routes';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from './transactions/validation';

/** What the HTTP server needs; everything is injected so tests use a real database of their own. */
export interface ServerDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly build: BuildInfo;
  /** The issuer whose access tokens are accepted (app/README.md, "Authentication"). */
  readonly auth: AuthConfig;
  /**
   * The request rate per client.
   * @default DEFAULT_RATE_LIMIT
   */
  readonly rateLimit?: RateLimitConfig;
  /**
   * Timings of the issuer's key cache (tests shorten them).
   * @default the JWKS_* constants of src/auth/issuer-keys.ts
   */
  readonly issuerKeys?: IssuerKeysOptions;
  /**
   * The latest moment a request is answered (503 `timeout` with Retry-After past it).
   * @default REQUEST_DEADLINE_MS (5 s)
   */
  readonly requestDeadlineMs?: number;
  /**
   * The service's region and the configured writer region.
   * @default both "local"
   */
  readonly region?: RegionConfig;
  /**
   * Role detection settings (tests lengthen the cache to make a failover race deterministic).
   * @default ROLE_CACHE_MS and ROLE_DETECTION_TIMEOUT_MS
   */
  readonly roleMonitor?: RoleMonitorOptions;
  /**
   * The kill switch and the audit records of the create route (src/flags/, src/audit/).
   * @default none: never refused, no audit records
   */
  readonly transactions?: TransactionRouteOptions;
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
    // One line per request from src/http/request-log.ts instead, carrying the client id and no URL.
    logController: new LogController({ disableRequestLogging: true }),
    handlerTimeout: deps.requestDeadlineMs ?? REQUEST_DEADLINE_MS,
    // Router errors (bad percent-encoding, over-long parameters) get the service's error shape.
    frameworkErrors: handleFrameworkError,
    // On close: src/http/draining.ts answers late requests with 503 in the service's error
    // shape (fastify's own 503 has another body); idle keep-alive sockets are dropped.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Idempotency keys are path parameters of GET /transactions/by-idempotency-key/:key (the
    // default limit, 100, would refuse valid keys of 101 to 128 characters).
    routerOptions: { maxParamLength: MAX_IDEMPOTENCY_KEY_LENGTH },
  });
  // JSON only: fastify also parses text/plain by default; without a parser it answers 415.
  app.removeContentTypeParser('text/plain');
  registerStrictJsonParser(app);
  // The id every log line of the request carries, so a caller can quote it.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  const region = new ServiceRegion(new DatabaseRoleMonitor(deps.pool, deps.roleMonitor), deps.region);
  closeKeepAliveWhenClosing(app);
  registerAuthentication(app, {
    verifier: new AccessTokenVerifier(deps.auth, new IssuerKeys(deps.auth.jwksUrl, deps.issuerKeys)),
    limiter: new ClientRateLimiter(deps.rateLimit ?? DEFAULT_RATE_LIMIT),
    resourceServer: deps.auth.resourceServer,
  });
  registerRequestLog(app);
  registerErrorHandling(app, region);
  registerNotFoundHandling(app);
  registerHealthRoutes(app, region, deps.build);
  registerTransactionRoutes(app, new TransactionRepository(deps.pool), region, deps.transactions);
  return app;
}
