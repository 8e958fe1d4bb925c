import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ReadOnlyDatabaseError } from '../db/role';
import { DatabaseUnavailableError } from '../db/unavailable';
import type { ServiceRegion } from '../region';
import { IDEMPOTENCY_KEY_RULE } from '../transactions/validation';

/** The prefix of GET /transactions/by-idempotency-key/:key (malformed keys name the field `key`). */
export const BY_IDEMPOTENCY_KEY_PATH = '/transactions/by-idempotency-key/';

/** The JSON body of every error response. `field` names the offending input when there is one. */
export interface ErrorBody {
  readonly error: string;
  readonly field?: string;
  readonly message: string;
}

/** Seconds a client should wait before retrying a 503 (the `Retry-After` header). */
export const RETRY_AFTER_SECONDS = 1;

/**
 * Seconds a client should wait before retrying a write that reached a read-only region. A retry
 * to the same region only succeeds once a failover promotes it, and DNS failover moves clients to
 * the writer after its health checks fail (about 30 s for 3 failures at a 10 s interval) plus the
 * record's TTL: retrying every second would only add load. The body names the writer region, so
 * a client that can choose its region writes there at once.
 */
export const READ_ONLY_RETRY_AFTER_SECONDS = 30;

/** The body of a write refused by a read-only region. */
export interface ReadOnlyRegionBody extends ErrorBody {
  readonly error: 'read_only_region';
  /** Where writes go; null when unknown (see RegionStatus.writerRegion). */
  readonly writerRegion: string | null;
}

/** Builds a 400 body for a client mistake in `field`. */
export function validationError(field: string, message: string): ErrorBody {
  return { error: 'validation', field, message: `${field} ${message}` };
}

/** Answers 503 with `Retry-After`: the request may succeed if retried (with the same Idempotency-Key). */
export function sendUnavailable(reply: FastifyReply, error: string, message: string): FastifyReply {
  return reply.status(503).header('Retry-After', String(RETRY_AFTER_SECONDS)).send({ error, message } satisfies ErrorBody);
}

/**
 * Maps every error to the JSON body {@link ErrorBody}: client mistakes that fastify detects itself
 * (malformed JSON, wrong content type, body too large) keep their 4xx status and name the field;
 * an unavailable or slow database and the request deadline are 503 with Retry-After; a write to
 * a read-only database is 503 `read_only_region` naming the writer region; anything
 * else is logged and answered with a 500 that reveals nothing.
 */
export function registerErrorHandling(app: FastifyInstance, region: ServiceRegion): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ReadOnlyDatabaseError) {
      // A 25006 from PostgreSQL means the cached role is stale (a failover): trust the database.
      if (error.cause !== undefined) region.monitor.markReadOnly();
      request.log.warn({ err: error.cause }, 'write refused: the database of this region is read-only');
      const writerRegion = region.writerRegionFor('reader');
      return reply.status(503).header('Retry-After', String(READ_ONLY_RETRY_AFTER_SECONDS)).send({
        error: 'read_only_region',
        message: writerRegion
          ? `this region (${region.config.serviceRegion}) only reads; write to ${writerRegion}, or retry after ${READ_ONLY_RETRY_AFTER_SECONDS} s`
          : `this region (${region.config.serviceRegion}) only reads and the writer region is not known here; retry after ${READ_ONLY_RETRY_AFTER_SECONDS} s`,
        writerRegion,
      } satisfies ReadOnlyRegionBody);
    }
    if (error instanceof DatabaseUnavailableError) {
      request.log.warn({ err: error.cause }, 'database unavailable');
      return sendUnavailable(reply, 'database_unavailable', `the database is unavailable; retry after ${RETRY_AFTER_SECONDS} s`);
    }
    if (error.code === 'FST_ERR_HANDLER_TIMEOUT') {
      request.log.warn({ err: error }, 'request deadline exceeded');
      return sendUnavailable(reply, 'timeout', `the request did not complete in time; retry after ${RETRY_AFTER_SECONDS} s`);
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send({ error: 'internal', message: 'internal error' } satisfies ErrorBody);
    }
    request.log.info({ code: error.code, status }, 'rejected request');
    const body = clientError(error, status);
    return reply.status(body.error === 'validation' ? 400 : status).send(body);
  });
}

/**
 * fastify's `frameworkErrors`: errors the router raises before any route runs. A path that is not
 * valid percent-encoding (FST_ERR_BAD_URL) or a path parameter longer than the router accepts
 * (FST_ERR_MAX_PARAM_LENGTH, 414 by default) is a malformed transaction id under /transactions/
 * (400 naming `id`, as for any other non-UUID), and a malformed path elsewhere.
 */
export function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  request.log.info({ code: error.code }, 'rejected request');
  if (request.url.startsWith(BY_IDEMPOTENCY_KEY_PATH)) {
    return reply.status(400).send(validationError('key', IDEMPOTENCY_KEY_RULE));
  }
  if (request.url.startsWith('/transactions/')) {
    return reply.status(400).send(validationError('id', 'must be a UUID'));
  }
  return reply.status(400).send({ error: 'validation', field: 'path', message: 'path must be valid percent-encoded UTF-8' } satisfies ErrorBody);
}

function clientError(error: FastifyError, status: number): ErrorBody {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { error: 'unsupported_media_type', field: 'Content-Type', message: 'Content-Type must be application/json' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { error: 'payload_too_large', field: 'body', message: 'body is too large' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return validationError('Content-Length', 'does not match the body');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return validationError('body', 'must be a JSON object (the body is empty)');
    case 'FST_ERR_INVALID_UTF8':
      return validationError((error as FastifyError & { field?: string }).field ?? 'body', 'must be valid UTF-8');
    default:
      if (status === 400 && (error.code?.startsWith('FST_ERR_CTP') || error instanceof SyntaxError || /JSON|prototype|constructor/i.test(error.message))) {
        return validationError('body', 'must be valid JSON');
      }
      return { error: 'bad_request', message: error.message };
  }
}
